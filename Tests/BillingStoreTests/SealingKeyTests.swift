import BillingCore
import BillingStore
import Foundation
import Testing

@Suite("Sealing keys")
struct SealingKeyTests {
    static let keyBytes = (0..<32).map { UInt8(255 - $0) }
    static let keyBase64 = Data(keyBytes).base64EncodedString()

    func error(_ body: () throws -> Void) -> BillingError? {
        do {
            try body()
            return nil
        } catch {
            return error as? BillingError
        }
    }

    @Test("A key from configuration text '<id>:<base64>' equals the key from its bytes")
    func environmentValue() throws {
        let key = try SealingKey(environmentValue: " prod-2026.1:\(Self.keyBase64)\n")
        #expect(key.id == "prod-2026.1")
        #expect(key == (try SealingKey(id: "prod-2026.1", bytes: Self.keyBytes)))
        let urlSafe = Self.keyBase64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        #expect(try SealingKey(id: "prod-2026.1", base64: urlSafe) == key)
    }

    @Test("Bad configuration text gives secret.key_invalid without echoing the text")
    func invalidEnvironmentValues() {
        let shortKey = Data(Self.keyBytes.prefix(16)).base64EncodedString()
        let cases: [(text: String, mentions: String)] = [
            ("k1:\(shortKey)", "16 bytes"),
            ("k1:not*base64*at*all", "not valid base64"),
            ("bad id!:\(Self.keyBase64)", "key id"),
            (":\(Self.keyBase64)", "key id"),
            (Self.keyBase64, "'<key id>:<base64 of 32 bytes>'"),
            ("\(String(repeating: "k", count: 65)):\(Self.keyBase64)", "key id"),
        ]
        for (text, mentions) in cases {
            let failure = error { _ = try SealingKey(environmentValue: text) }
            #expect(failure?.code == .secretKeyInvalid, "\(text)")
            #expect(failure?.message.contains(mentions) == true, "\(failure?.message ?? "no error")")
            #expect(failure?.message.contains(Self.keyBase64) == false)
            #expect(failure?.message.contains(shortKey) == false)
            #expect(failure?.message.contains("base64*at") == false)
        }
    }

    @Test("A key never prints its bytes")
    func printing() throws {
        let key = try SealingKey(id: "k1", bytes: Self.keyBytes)
        var dumped = ""
        dump(key, to: &dumped)
        let keyring = try SealingKeyring(current: key, previous: [try SealingKey.generate(id: "k0")])
        for text in [String(describing: key), String(reflecting: key), "\(key)", dumped, String(describing: keyring), String(reflecting: keyring)] {
            #expect(!text.contains(Self.keyBase64.prefix(8)), "\(text)")
            #expect(text.contains("k1"))
        }
    }

    @Test("Generated keys differ; key ids are validated")
    func generate() throws {
        #expect(try SealingKey.generate(id: "a") != SealingKey.generate(id: "a"))
        #expect(error { _ = try SealingKey.generate(id: "") }?.code == .secretKeyInvalid)
        #expect(error { _ = try SealingKey.generate(id: "with:colon") }?.code == .secretKeyInvalid)
        #expect(error { _ = try SealingKey(id: "k", bytes: [1, 2, 3]) }?.code == .secretKeyInvalid)
    }

    @Test("A keyring from configuration: comma-separated, first current; duplicate ids are refused")
    func keyring() throws {
        let other = Data((0..<32).map { UInt8($0) }).base64EncodedString()
        let keyring = try SealingKeyring(environmentValue: "k2:\(other), k1:\(Self.keyBase64)")
        #expect(keyring.current.id == "k2")
        #expect(keyring.keyIDs == ["k2", "k1"])
        #expect(keyring.key(withID: "k1") == (try SealingKey(id: "k1", bytes: Self.keyBytes)))
        #expect(keyring.key(withID: "k3") == nil)
        #expect(error { _ = try SealingKeyring(environmentValue: "k1:\(other),k1:\(Self.keyBase64)") }?.code == .secretKeyInvalid)
        #expect(error { _ = try SealingKeyring(environmentValue: " , ") }?.code == .secretKeyInvalid)
    }
}
