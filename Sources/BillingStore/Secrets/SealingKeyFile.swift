import BillingCore
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file of sealing keys, for hosts that configure none: the engine keeps it beside
/// the database (`<database>.key`) and creates it on first start.
///
/// One key per line, `<key id> <base64 of 32 bytes>`, the first line the current key
/// and later lines previous keys; blank lines and lines starting with `#` are
/// ignored. Like ssh with a private key, it refuses a file that group or others may
/// read or write. Whoever holds the file and the database can open the secrets: it
/// protects against a leaked database file, a backup or a `strings` of the WAL, not
/// against someone with the host's account.
public struct SealingKeyFile: Sendable, CustomStringConvertible {
    /// Where the file is.
    public let path: String

    /// Files larger than this are not key files.
    private static let maximumByteCount = 64 * 1024

    /// The key file at `path`.
    public init(path: String) {
        self.path = path
    }

    /// The keys in the file.
    /// - Throws: `BillingError` coded `secret.key_file_unavailable` (missing, unreadable),
    ///   `secret.key_file_insecure` (group or others have access) or
    ///   `secret.key_file_malformed`. Messages name the file and line, never its contents.
    public func load() throws -> SealingKeyring {
        guard let keyring = try loadIfPresent() else {
            throw BillingError(.secretKeyFileUnavailable, "Key file '\(path)' does not exist")
        }
        return keyring
    }

    /// The keys in the file, which is created with one new key (id `newKeyID`, or a
    /// random `local-…` id) if it does not exist. `created` tells whether it was.
    ///
    /// Safe when several processes start at once: a new file is written and synced
    /// under a temporary name, then hard-linked into place, which fails if the file
    /// appeared meanwhile; the process that loses reads the winner's keys. No reader
    /// ever sees a partly written file.
    public func loadOrCreate(newKeyID: String? = nil) throws -> (keyring: SealingKeyring, created: Bool) {
        let key = try SealingKey.generate(id: newKeyID ?? Self.randomKeyID())
        // Bounded: each round either reads a file or creates one, unless the file is
        // deleted between the two, which only a concurrent `rm` does.
        for _ in 0..<3 {
            if let keyring = try loadIfPresent() {
                return (keyring, false)
            }
            if try createIfAbsent(with: key) {
                return (SealingKeyring(current: key), true)
            }
        }
        throw BillingError(.secretKeyFileUnavailable, "Key file '\(path)' kept appearing and disappearing while it was being created")
    }

    public var description: String { "SealingKeyFile(\(path))" }

    // MARK: Reading

    private func loadIfPresent() throws -> SealingKeyring? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { return nil }
            throw failure("could not be opened", errno: errno)
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw failure("could not be examined", errno: errno) }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw BillingError(.secretKeyFileMalformed, "Key file '\(path)' is not a regular file")
        }
        let access = status.st_mode & 0o777
        guard access & 0o077 == 0 else {
            throw BillingError(
                .secretKeyFileInsecure,
                "Key file '\(path)' has mode \(String(access, radix: 8)): group or others may access it. Run 'chmod 600 \(path)' if no one else has read it, else rotate the key"
            )
        }
        return try parse(readAll(descriptor))
    }

    private func readAll(_ descriptor: Int32) throws -> [UInt8] {
        var contents: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("could not be read", errno: errno)
            }
            if count == 0 { return contents }
            contents += buffer[0..<count]
            guard contents.count <= Self.maximumByteCount else {
                throw BillingError(.secretKeyFileMalformed, "Key file '\(path)' is larger than \(Self.maximumByteCount) bytes; it is not a key file")
            }
        }
    }

    private func parse(_ contents: [UInt8]) throws -> SealingKeyring {
        guard let text = String(validating: contents, as: UTF8.self) else {
            throw BillingError(.secretKeyFileMalformed, "Key file '\(path)' is not UTF-8 text")
        }
        var keys: [SealingKey] = []
        // isNewline, not "\n": a CRLF pair is one Character in Swift.
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            let lineName = "Line \(index + 1) of key file '\(path)'"
            guard fields.count == 2 else {
                throw BillingError(.secretKeyFileMalformed, "\(lineName) is not '<key id> <base64 of 32 bytes>'")
            }
            do {
                keys.append(try SealingKey(id: String(fields[0]), base64: String(fields[1])))
            } catch let error as BillingError {
                throw BillingError(.secretKeyFileMalformed, "\(lineName) holds no usable key: \(error.message)")
            }
        }
        guard let current = keys.first else {
            throw BillingError(.secretKeyFileMalformed, "Key file '\(path)' holds no key; expected lines '<key id> <base64 of 32 bytes>'")
        }
        do {
            return try SealingKeyring(current: current, previous: Array(keys.dropFirst()))
        } catch let error as BillingError {
            throw BillingError(.secretKeyFileMalformed, "Key file '\(path)': \(error.message)")
        }
    }

    // MARK: Creating

    /// Writes `key` to the file unless it exists; false if another process made it first.
    private func createIfAbsent(with key: SealingKey) throws -> Bool {
        let temporaryPath = "\(path).tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure("could not be created", errno: errno) }
        defer { unlink(temporaryPath) }
        do {
            // The mode given to open is narrowed by the umask, never widened; fchmod makes it exact.
            guard fchmod(descriptor, 0o600) == 0 else { throw failure("could not be made private", errno: errno) }
            try writeAll(Array("\(key.id) \(key.base64)\n".utf8), to: descriptor)
            guard fsync(descriptor) == 0 else { throw failure("could not be synced", errno: errno) }
        } catch {
            close(descriptor)
            throw error
        }
        close(descriptor)
        guard link(temporaryPath, path) == 0 else {
            if errno == EEXIST { return false }
            throw failure("could not be created", errno: errno)
        }
        syncDirectory()
        return true
    }

    private func writeAll(_ bytes: [UInt8], to descriptor: Int32) throws {
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("could not be written", errno: errno)
            }
            written += count
        }
    }

    /// Makes the new name durable; a failure here only risks the name, not the key.
    private func syncDirectory() {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let descriptor = open(directory, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    private static func randomKeyID() -> String {
        "local-" + (0..<6).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }

    private func failure(_ what: String, errno code: Int32) -> BillingError {
        BillingError(.secretKeyFileUnavailable, "Key file '\(path)' \(what): \(String(cString: strerror(code)))")
    }
}
