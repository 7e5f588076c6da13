import BillingCore
import Foundation

/// The keys a sealer holds: the current one, which seals, and previous ones, which
/// still open what they sealed until it is resealed (key rotation).
///
/// To rotate: make a new key current and keep the old one as previous; values sealed
/// under the old key open as before and report `needsResealing`, and resealing them
/// moves them to the new key. Drop the old key once nothing needs it.
public struct SealingKeyring: Sendable, Equatable, CustomStringConvertible {
    /// The key new seals use.
    public let current: SealingKey
    /// Keys that only open, newest first.
    public let previous: [SealingKey]

    /// A keyring with one key.
    public init(current: SealingKey) {
        self.current = current
        previous = []
    }

    /// A keyring with previous keys.
    /// - Throws: `BillingError` coded `secret.key_invalid` if two keys share an id.
    public init(current: SealingKey, previous: [SealingKey]) throws {
        var seen: Set<String> = []
        for key in [current] + previous where !seen.insert(key.id).inserted {
            throw BillingError(.secretKeyInvalid, "Two sealing keys have the id '\(key.id)'; each key needs its own id")
        }
        self.current = current
        self.previous = previous
    }

    /// Keys from configuration text: `<id>:<base64 of 32 bytes>` entries separated by
    /// commas, the first current, as an environment variable would hold them.
    /// - Throws: `BillingError` coded `secret.key_invalid`; the message never shows the text.
    public init(environmentValue: String) throws {
        let entries = environmentValue.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        guard let first = entries.first else {
            throw BillingError(.secretKeyInvalid, "No sealing key is configured: expected '<key id>:<base64 of 32 bytes>', comma-separated")
        }
        try self.init(current: SealingKey(environmentValue: first), previous: entries.dropFirst().map(SealingKey.init(environmentValue:)))
    }

    /// Every key id, current first.
    public var keyIDs: [String] {
        [current.id] + previous.map(\.id)
    }

    /// The key with `id`, if the keyring holds it.
    public func key(withID id: String) -> SealingKey? {
        current.id == id ? current : previous.first { $0.id == id }
    }

    public var description: String {
        previous.isEmpty
            ? "SealingKeyring(current: \(current.id))"
            : "SealingKeyring(current: \(current.id), previous: \(previous.map(\.id).joined(separator: ", ")))"
    }
}
