import BillingCore
import Crypto
import Foundation

/// A 256-bit key that seals secrets at rest, and the id sealed values name it by.
///
/// The id (1 to 64 characters of `A-Z a-z 0-9 . _ -`) is stored in clear in every
/// value the key seals, so a store can say which key a value needs. The key bytes
/// never print: `description`, `debugDescription` and `dump` show the id only.
public struct SealingKey: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The key's length in bytes.
    public static let byteCount = 32

    /// The id sealed values name this key by.
    public let id: String
    let symmetricKey: SymmetricKey

    /// A key from its 32 bytes.
    /// - Throws: `BillingError` coded `secret.key_invalid` for a bad id or a length other than 32.
    public init(id: String, bytes: some Collection<UInt8>) throws {
        try Self.validate(id: id)
        guard bytes.count == Self.byteCount else {
            throw BillingError(.secretKeyInvalid, "Sealing key '\(id)' is \(bytes.count) bytes; it must be \(Self.byteCount) (256 bits)")
        }
        self.id = id
        symmetricKey = SymmetricKey(data: Array(bytes))
    }

    /// A key from the base64 (standard or URL-safe, padding optional) of its 32 bytes.
    /// - Throws: `BillingError` coded `secret.key_invalid`; the message never shows the text.
    public init(id: String, base64: String) throws {
        try Self.validate(id: id)
        guard let bytes = Base64URL.decode(base64) else {
            throw BillingError(.secretKeyInvalid, "Sealing key '\(id)' is not valid base64")
        }
        try self.init(id: id, bytes: bytes)
    }

    /// A key from configuration text `<id>:<base64 of 32 bytes>`, as an environment
    /// variable would hold it. Whitespace around the text is ignored.
    /// - Throws: `BillingError` coded `secret.key_invalid`; the message never shows the text.
    public init(environmentValue: String) throws {
        let text = environmentValue.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let colon = text.firstIndex(of: ":") else {
            throw BillingError(.secretKeyInvalid, "A sealing key must be configured as '<key id>:<base64 of 32 bytes>'")
        }
        let id = String(text[..<colon])
        guard SealedSecret.isValidKeyID(id) else {
            throw BillingError(.secretKeyInvalid, "A sealing key must be configured as '<key id>:<base64 of 32 bytes>', the key id being \(Self.idRule)")
        }
        try self.init(id: id, base64: String(text[text.index(after: colon)...]))
    }

    /// A new random key.
    public static func generate(id: String) throws -> SealingKey {
        try validate(id: id)
        return SealingKey(id: id, symmetricKey: SymmetricKey(size: .bits256))
    }

    private init(id: String, symmetricKey: SymmetricKey) {
        self.id = id
        self.symmetricKey = symmetricKey
    }

    /// The key bytes in standard base64, for the key file. Never log it.
    var base64: String {
        symmetricKey.withUnsafeBytes { Data($0).base64EncodedString() }
    }

    /// Same id and same bytes (compared in constant time).
    public static func == (lhs: SealingKey, rhs: SealingKey) -> Bool {
        lhs.id == rhs.id && lhs.symmetricKey == rhs.symmetricKey
    }

    public var description: String { "SealingKey(id: \(id), 256 bits)" }
    public var debugDescription: String { description }
    /// The id only, so `dump` does not show the key bytes.
    public var customMirror: Mirror { Mirror(self, children: ["id": id]) }

    // MARK: Validation

    static let idRule = "1 to \(SealedSecret.maximumKeyIDLength) characters of A-Z, a-z, 0-9, '.', '_' or '-'"

    private static func validate(id: String) throws {
        guard SealedSecret.isValidKeyID(id) else {
            // The id is not echoed: a mis-pasted key could be in it.
            throw BillingError(.secretKeyInvalid, "A sealing key id must be \(idRule)")
        }
    }
}
