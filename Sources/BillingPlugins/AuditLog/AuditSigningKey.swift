import BillingCore
import Crypto
import Foundation

/// A key that signs checkpoints: held by the host outside the database, so someone who can
/// rewrite the audit tables cannot sign a rewritten chain's head. HMAC-SHA256 (one secret
/// signs and verifies) or Ed25519 (an auditor verifies with the public key alone).
public struct AuditSigningKey: Sendable {
    /// Names the key in each checkpoint it signs, so keys can rotate.
    public let id: String
    let material: Material

    enum Material: Sendable {
        case hmac(SymmetricKey)
        case ed25519(Curve25519.Signing.PrivateKey)
    }

    /// An HMAC-SHA256 key of at least 32 bytes.
    /// - Throws: `invalid.argument` for a shorter secret or an empty id.
    public static func hmacSHA256(id: String, secret: [UInt8]) throws -> AuditSigningKey {
        try checkId(id)
        guard secret.count >= 32 else { throw BillingError.invalid("secret", "An audit HMAC key needs at least 32 bytes") }
        return AuditSigningKey(id: id, material: .hmac(SymmetricKey(data: secret)))
    }

    /// An Ed25519 key from its 32-byte private key.
    /// - Throws: `invalid.argument` for another length or an empty id.
    public static func ed25519(id: String, privateKey: [UInt8]) throws -> AuditSigningKey {
        try checkId(id)
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: privateKey) else {
            throw BillingError.invalid("privateKey", "An Ed25519 private key is 32 bytes")
        }
        return AuditSigningKey(id: id, material: .ed25519(key))
    }

    /// A new random Ed25519 key.
    public static func generateEd25519(id: String) throws -> AuditSigningKey {
        try checkId(id)
        return AuditSigningKey(id: id, material: .ed25519(Curve25519.Signing.PrivateKey()))
    }

    /// The key that verifies what this one signs (for Ed25519, only the public half).
    public var verificationKey: AuditVerificationKey {
        switch material {
        case .hmac(let key): AuditVerificationKey(id: id, material: .hmac(key))
        case .ed25519(let key): AuditVerificationKey(id: id, material: .ed25519(key.publicKey))
        }
    }

    /// `hmac-sha256` or `ed25519`.
    var algorithm: String { verificationKey.algorithm }

    /// The base64 signature of `message`.
    func sign(_ message: [UInt8]) throws -> String {
        switch material {
        case .hmac(let key): Data(HMAC<SHA256>.authenticationCode(for: message, using: key)).base64EncodedString()
        case .ed25519(let key): try key.signature(for: message).base64EncodedString()
        }
    }

    private static func checkId(_ id: String) throws {
        guard !id.isEmpty, id.utf8.count <= 64 else { throw BillingError.invalid("id", "An audit key id is 1 to 64 bytes") }
    }
}

/// What verifies checkpoint signatures: the HMAC secret, or an Ed25519 public key.
public struct AuditVerificationKey: Sendable {
    /// The key's id, as checkpoints name it.
    public let id: String
    let material: Material

    enum Material: Sendable {
        case hmac(SymmetricKey)
        case ed25519(Curve25519.Signing.PublicKey)
    }

    /// An Ed25519 public key (32 bytes), for an auditor who must not be able to sign.
    /// - Throws: `invalid.argument` for another length.
    public static func ed25519(id: String, publicKey: [UInt8]) throws -> AuditVerificationKey {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else {
            throw BillingError.invalid("publicKey", "An Ed25519 public key is 32 bytes")
        }
        return AuditVerificationKey(id: id, material: .ed25519(key))
    }

    /// The Ed25519 public key's 32 bytes; nil for an HMAC key.
    public var ed25519PublicKey: [UInt8]? {
        if case .ed25519(let key) = material { return Array(key.rawRepresentation) }
        return nil
    }

    /// `hmac-sha256` or `ed25519`.
    var algorithm: String {
        switch material {
        case .hmac: "hmac-sha256"
        case .ed25519: "ed25519"
        }
    }

    /// Whether `signature` (base64) signs `message`.
    func verifies(_ signature: String, of message: [UInt8]) -> Bool {
        guard let bytes = Data(base64Encoded: signature) else { return false }
        switch material {
        case .hmac(let key): return HMAC<SHA256>.isValidAuthenticationCode(bytes, authenticating: message, using: key)
        case .ed25519(let key): return key.isValidSignature(bytes, for: message)
        }
    }
}
