import BillingCore
import BillingStore
import Foundation
import Testing

@Suite("Secret sealing")
struct SecretSealingTests {
    static let secret = #"sk_live_pa"ss\wörd/+=&%42 end"#
    let key1 = try! SealingKey.generate(id: "k1")
    let key2 = try! SealingKey.generate(id: "k2")

    func expectCode(_ code: BillingError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("expected \(code), nothing was thrown", sourceLocation: sourceLocation)
        } catch let error as BillingError {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected a BillingError, got \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("A sealed secret opens to the same text, with and without a context")
    func roundTrip() throws {
        let sealer = AESGCMSecretSealer(key: key1)
        for plaintext in [Self.secret, "", String(repeating: "long secret ", count: 500)] {
            let sealed = try sealer.seal(plaintext)
            #expect(try sealer.open(sealed) == plaintext)
            let bound = try sealer.seal(plaintext, context: "plugin/acme/apiKey")
            #expect(try sealer.open(bound, context: "plugin/acme/apiKey") == plaintext)
        }
    }

    @Test("The sealed text is self-describing ASCII and shows nothing of the plaintext")
    func sealedForm() throws {
        let sealer = AESGCMSecretSealer(key: key1)
        let sealed = try sealer.seal(Self.secret)
        #expect(sealed.hasPrefix("bsealed:v1:k1:"))
        #expect(sealed.utf8.allSatisfy { $0 < 0x80 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") })
        #expect(sealer.isSealed(sealed))
        #expect(!sealer.isSealed(Self.secret))
        #expect(try SealedSecret(parsing: sealed).keyID == "k1", "the key id reads without the key")
        // As `strings` would search the database file: no run of the plaintext shows.
        let plaintext = Array(Self.secret)
        for start in 0...(plaintext.count - 6) {
            #expect(!sealed.contains(String(plaintext[start..<start + 6])))
        }
        #expect(!sealed.contains(Data(Self.secret.utf8).base64EncodedString().prefix(8)))
    }

    @Test("Every seal of the same text differs")
    func randomNonce() throws {
        let sealer = AESGCMSecretSealer(key: key1)
        let sealed = try (0..<50).map { _ in try sealer.seal(Self.secret) }
        #expect(Set(sealed).count == 50)
        for text in sealed {
            #expect(try sealer.open(text) == Self.secret)
        }
    }

    @Test("Changing any character of a sealed text makes opening fail")
    func tampering() throws {
        let sealer = AESGCMSecretSealer(key: key1)
        let sealed = Array(try sealer.seal("hunter2-secret"))
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_:")
        for index in sealed.indices {
            var tampered = sealed
            let position = alphabet.firstIndex(of: tampered[index]) ?? 0
            tampered[index] = alphabet[(position + 1) % alphabet.count]
            #expect(throws: BillingError.self, "changed character \(index)") { try sealer.open(String(tampered)) }
        }
        // Truncated or extended.
        #expect(throws: BillingError.self) { try sealer.open(String(sealed.dropLast())) }
        #expect(throws: BillingError.self) { try sealer.open(String(sealed) + "A") }
    }

    @Test("A flipped payload bit fails authentication")
    func flippedBit() throws {
        let sealer = AESGCMSecretSealer(key: key1)
        let parsed = try SealedSecret(parsing: try sealer.seal(Self.secret))
        for byte in parsed.payload.indices {
            var payload = parsed.payload
            payload[byte] ^= 0x01
            let tampered = try SealedSecret(keyID: "k1", payload: payload).text
            expectCode(.secretAuthenticationFailed) { _ = try sealer.open(tampered) }
        }
    }

    @Test("A sealed text re-labelled with another key id fails, even if that key has the same bytes")
    func relabelled() throws {
        let bytes = (0..<32).map { UInt8($0 * 7) }
        let sealer = AESGCMSecretSealer(
            keyring: try SealingKeyring(current: try SealingKey(id: "k1", bytes: bytes), previous: [try SealingKey(id: "k1-twin", bytes: bytes)])
        )
        let sealed = try sealer.seal(Self.secret)
        let relabelled = sealed.replacingOccurrences(of: "bsealed:v1:k1:", with: "bsealed:v1:k1-twin:")
        expectCode(.secretAuthenticationFailed) { _ = try sealer.open(relabelled) }
    }

    @Test("A secret sealed for one setting does not open for another")
    func contextBinding() throws {
        let sealer = AESGCMSecretSealer(key: key1)
        let sealed = try sealer.seal(Self.secret, context: "plugin/stripe/apiKey")
        expectCode(.secretAuthenticationFailed) { _ = try sealer.open(sealed, context: "plugin/webhook/url") }
        expectCode(.secretAuthenticationFailed) { _ = try sealer.open(sealed) }
    }

    @Test("The wrong key with the right id fails authentication")
    func wrongKey() throws {
        let sealed = try AESGCMSecretSealer(key: key1).seal(Self.secret)
        let impostor = AESGCMSecretSealer(key: try SealingKey.generate(id: "k1"))
        expectCode(.secretAuthenticationFailed) { _ = try impostor.open(sealed) }
    }

    @Test("Rotation: a previous key opens old values, which need resealing; new values use the current key")
    func rotation() throws {
        let old = AESGCMSecretSealer(key: key1)
        let oldSealed = try old.seal(Self.secret, context: "c")
        let rotated = AESGCMSecretSealer(keyring: try SealingKeyring(current: key2, previous: [key1]))
        #expect(rotated.currentKeyID == "k2")
        #expect(try rotated.open(oldSealed, context: "c") == Self.secret)
        #expect(rotated.needsResealing(oldSealed))
        let newSealed = try rotated.seal(Self.secret, context: "c")
        #expect(newSealed.hasPrefix("bsealed:v1:k2:"))
        #expect(!rotated.needsResealing(newSealed))
        let resealed = try rotated.resealed(oldSealed, context: "c")
        #expect(resealed.hasPrefix("bsealed:v1:k2:"))
        #expect(try rotated.open(resealed, context: "c") == Self.secret)
        #expect(!old.needsResealing(oldSealed))
        #expect(rotated.needsResealing("plaintext from before sealing"))
        #expect(try rotated.resealed("plaintext from before sealing", context: "c").hasPrefix("bsealed:v1:k2:"))
    }

    @Test("A value sealed under a key that is not configured names it, the configured ids, and that nothing changed")
    func missingKey() throws {
        let sealed = try AESGCMSecretSealer(key: key1).seal(Self.secret)
        let sealer = AESGCMSecretSealer(keyring: try SealingKeyring(current: key2, previous: [try SealingKey.generate(id: "k0")]))
        do {
            _ = try sealer.open(sealed)
            Issue.record("opened without its key")
        } catch let error as BillingError {
            #expect(error.code == .secretKeyNotConfigured)
            #expect(error.message.contains("'k1'"))
            #expect(error.message.contains("configured: k2, k0"))
            #expect(error.message.contains("No data was changed"))
        }
    }

    @Test("Malformed sealed texts are refused as malformed")
    func malformed() {
        let sealer = AESGCMSecretSealer(key: key1)
        let texts = [
            "plaintext",
            "bsealed:",
            "bsealed:v1:k1",
            "bsealed:v2:k1:AAAA",
            "bsealed:v1:k 1:AAAA",
            "bsealed:v1:k1:AA==",
            "bsealed:v1:k1:A+/B",
            "bsealed:v1:k1:AAAA",
            "bsealed:v1:k1:AAAA:AAAA",
        ]
        for text in texts {
            expectCode(.secretMalformed) { _ = try sealer.open(text) }
        }
        #expect(!sealer.needsResealing("bsealed:v1:k1:AA=="), "a malformed value cannot be resealed either")
    }
}
