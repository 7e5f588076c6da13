public import BillingCore
import Crypto
import Foundation

/// Seals secrets with AES-256-GCM, in the `bsealed:v1:<keyID>:<payload>` format.
///
/// Each seal draws a random 12-byte nonce, so sealing the same text twice gives two
/// different values. The payload is `nonce ‖ ciphertext ‖ tag`. The authenticated
/// data is the header `bsealed:v1:<keyID>:` followed by the context, so changing the
/// key id, the version or the context makes opening fail, as does changing any byte.
public struct AESGCMSecretSealer: SecretSealer {
    /// The keys it seals and opens with.
    public let keyring: SealingKeyring

    private static let nonceByteCount = 12
    private static let tagByteCount = 16

    /// A sealer with a keyring (a current key and previous keys).
    public init(keyring: SealingKeyring) {
        self.keyring = keyring
    }

    /// A sealer with one key.
    public init(key: SealingKey) {
        keyring = SealingKeyring(current: key)
    }

    public var currentKeyID: String { keyring.current.id }

    public func seal(_ plaintext: String, context: String) throws -> String {
        let key = keyring.current
        let header = try SealedSecret(keyID: key.id, payload: []).header
        let combined: Data?
        do {
            let box = try AES.GCM.seal(Array(plaintext.utf8), using: key.symmetricKey, nonce: AES.GCM.Nonce(), authenticating: Array((header + context).utf8))
            combined = box.combined
        } catch {
            throw BillingError(.secretKeyInvalid, "Sealing key '\(key.id)' could not seal a secret", underlying: error)
        }
        guard let combined else {
            throw BillingError(.secretKeyInvalid, "Sealing key '\(key.id)' produced no combined sealed box")
        }
        return try SealedSecret(keyID: key.id, payload: Array(combined)).text
    }

    public func open(_ sealed: String, context: String) throws -> String {
        let parsed = try SealedSecret(parsing: sealed)
        guard let key = keyring.key(withID: parsed.keyID) else {
            throw BillingError(
                .secretKeyNotConfigured,
                "A secret is sealed with key '\(parsed.keyID)', which is not configured (configured: \(keyring.keyIDs.joined(separator: ", "))). "
                    + "No data was changed; configure key '\(parsed.keyID)', as a previous key to rotate away from it, to open it"
            )
        }
        guard parsed.payload.count >= Self.nonceByteCount + Self.tagByteCount else {
            throw BillingError(.secretMalformed, "A sealed secret's payload is too short to hold a nonce and a tag")
        }
        let plaintext: Data
        do {
            let box = try AES.GCM.SealedBox(combined: parsed.payload)
            plaintext = try AES.GCM.open(box, using: key.symmetricKey, authenticating: Array((parsed.header + context).utf8))
        } catch {
            throw BillingError(
                .secretAuthenticationFailed,
                "A secret sealed with key '\(parsed.keyID)' failed authentication: it was altered, re-labelled or stored for another setting, "
                    + "or key '\(parsed.keyID)' is not the key that sealed it"
            )
        }
        guard let text = String(validating: plaintext, as: UTF8.self) else {
            throw BillingError(.secretMalformed, "A sealed secret does not hold UTF-8 text")
        }
        return text
    }
}
