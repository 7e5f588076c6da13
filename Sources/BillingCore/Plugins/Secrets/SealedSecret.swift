import Foundation

/// The stored form of a sealed secret: `bsealed:v1:<keyID>:<payload>`.
///
/// The text is plain ASCII, safe in a TEXT column or a JSON string. `keyID` names the
/// key that sealed it, readable without any key, so a store can tell which key a row
/// needs before trying to open it. `payload` is the sealer's output (for `v1`, AES-256-GCM
/// `nonce ‖ ciphertext ‖ tag`), written as unpadded base64url.
public struct SealedSecret: Sendable, Hashable, CustomStringConvertible {
    /// The marker every sealed text starts with.
    public static let prefix = "bsealed:"
    /// The one format version: AES-256-GCM, 12-byte nonce, the header as authenticated data.
    public static let version = "v1"

    /// The id of the key that sealed it.
    public let keyID: String
    /// The sealed bytes.
    public let payload: [UInt8]

    /// A sealed secret from its parts. `keyID` must be a valid key id.
    public init(keyID: String, payload: [UInt8]) throws {
        guard Self.isValidKeyID(keyID) else {
            throw BillingError(.secretKeyInvalid, "A key id must be 1 to \(Self.maximumKeyIDLength) characters of A-Z, a-z, 0-9, '.', '_' or '-'")
        }
        self.keyID = keyID
        self.payload = payload
    }

    /// Parses the stored text.
    /// - Throws: ``BillingError`` coded `secret.malformed` unless `text` is exactly
    ///   `bsealed:v1:<valid key id>:<canonical unpadded base64url>`.
    public init(parsing text: String) throws {
        guard text.hasPrefix(Self.prefix) else {
            throw BillingError(.secretMalformed, "A sealed secret must start with '\(Self.prefix)'")
        }
        let parts = text.dropFirst(Self.prefix.count).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw BillingError(.secretMalformed, "A sealed secret must have the form '\(Self.prefix)\(Self.version):<key id>:<payload>'")
        }
        guard parts[0] == Self.version else {
            throw BillingError(.secretMalformed, "The sealed secret's format version is not '\(Self.version)', the only one this version of Bilingus reads")
        }
        let keyID = String(parts[1])
        guard Self.isValidKeyID(keyID) else {
            throw BillingError(.secretMalformed, "The sealed secret's key id is not valid")
        }
        let encoded = String(parts[2])
        // Re-encoding must give the same text: otherwise two texts (differing in unused
        // trailing bits, or padding) would open to the same secret, and an edit to the
        // stored text could go unnoticed.
        guard !encoded.contains("="), let payload = Base64URL.decode(encoded), Base64URL.encode(payload) == encoded else {
            throw BillingError(.secretMalformed, "The sealed secret's payload is not unpadded base64url")
        }
        self.keyID = keyID
        self.payload = payload
    }

    /// Whether `text` is meant as a sealed secret: it starts with ``prefix``. It may
    /// still be malformed; opening it then fails rather than treating it as plaintext.
    public static func isSealed(_ text: String) -> Bool {
        text.hasPrefix(prefix)
    }

    /// The stored text.
    public var text: String {
        header + Base64URL.encode(payload)
    }

    /// `bsealed:v1:<keyID>:`, the part a sealer authenticates along with the payload,
    /// so the blob cannot be re-labelled with another key id or version.
    public var header: String {
        "\(Self.prefix)\(Self.version):\(keyID):"
    }

    public var description: String { text }

    // MARK: Key ids

    /// The longest key id accepted.
    public static let maximumKeyIDLength = 64

    /// Whether `id` is 1 to 64 characters of `A-Z a-z 0-9 . _ -`.
    public static func isValidKeyID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= maximumKeyIDLength
            && id.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                    UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                    true
                default:
                    false
                }
            }
    }
}
