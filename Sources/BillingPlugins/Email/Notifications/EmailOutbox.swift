import BillingCore
import Foundation

/// A folder of `.eml` files that stands in for a mail server: for development, the
/// demo, or a pickup directory another program sends from. Each message is one file
/// named after its notification, written whole (a temporary file renamed over it), so a
/// reader never sees half a message and a second write of the same message replaces it.
struct EmailOutbox: Sendable {
    let directory: String

    /// Writes `message` and returns the file's path.
    func write(_ message: [UInt8], notificationId: String) throws -> String {
        let fileManager = FileManager.default
        do {
            try fileManager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw BillingError(.emailOutboxFailure, "Cannot create the outbox folder \(directory): \(error.localizedDescription)", underlying: error)
        }
        let path = (directory as NSString).appendingPathComponent(Self.fileName(notificationId))
        let temporary = path + ".partial"
        do {
            try Data(message).write(to: URL(fileURLWithPath: temporary))
            // rename(2) replaces an existing file in one step: never a moment without the message.
            guard rename(temporary, path) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        } catch {
            try? fileManager.removeItem(atPath: temporary)
            throw BillingError(.emailOutboxFailure, "Cannot write \(path): \(error.localizedDescription)", underlying: error)
        }
        return path
    }

    /// A file name from the notification id: letters, digits, `-`, `_` and `.` kept, the rest `_`.
    static func fileName(_ notificationId: String) -> String {
        let safe = notificationId.unicodeScalars.map { scalar -> Character in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "-_.@".unicodeScalars.contains(scalar)) ? Character(scalar) : "_"
        }
        return String(safe.prefix(200)) + ".eml"
    }
}
