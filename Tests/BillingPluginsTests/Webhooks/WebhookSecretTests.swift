import BillingCore
import BillingPlugins
import Foundation
import Testing

@Suite("WebhookSecret")
struct WebhookSecretTests {
    @Test("Parses the specification's secret: 24 bytes, and reveal() gives the same text back")
    func parsesSpecificationSecret() throws {
        let secret = try WebhookVectors.secret()
        #expect(secret.key.count == 24)
        #expect(secret.key.prefix(3) == [0x31, 0xF2, 0x90])  // base64 "MfKQ"
        #expect(secret.reveal() == WebhookVectors.secretText)
        #expect(try WebhookSecret(secret.reveal()) == secret)
    }

    @Test("Accepts 64 bytes, padded or not, and reveals it padded")
    func parsesLongSecret() throws {
        let secret = try WebhookVectors.longSecret()
        #expect(secret.key == Array(0...63))
        let unpadded = try WebhookSecret(String(WebhookVectors.longSecretText.dropLast(2)))
        #expect(unpadded == secret)
        #expect(unpadded.reveal() == WebhookVectors.longSecretText)
    }

    @Test(
        "Refuses malformed text and wrong lengths, naming the field and never echoing the value",
        arguments: [
            ("", "start with"),
            ("whsec_", "base64"),
            ("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "start with"),  // no prefix
            ("WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "start with"),
            ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS!", "base64"),
            ("whsec_MfKQ9r8GKYqrTwjU PD8ILPZIo2LaLaSw", "base64"),
            (" whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "start with"),
            ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n", "base64"),
            ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa-_", "base64"),  // URL-safe alphabet
            ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwA", "base64"),  // 4n+1 characters
            ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2La", "24 to 64 bytes; this one has 21"),
            ("whsec_" + Data(repeating: 7, count: 23).base64EncodedString(), "this one has 23"),
            ("whsec_" + Data(repeating: 7, count: 65).base64EncodedString(), "this one has 65"),
        ])
    func refusesMalformed(text: String, expected: String) {
        let error = #expect(throws: BillingError.self) { try WebhookSecret(text) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.field == "secret")
        #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
        if text.count > 12, let error {
            #expect(!String(describing: error).contains(text.dropFirst(6).prefix(12)))
        }
    }

    @Test("generate makes byteCount random bytes from the generator: 24 to 64, 32 by default")
    func generates() throws {
        var random = SeededGenerator(state: 42)
        let first = try WebhookSecret.generate(using: &random)
        #expect(first.key.count == 32)
        #expect(first.reveal().hasPrefix("whsec_"))
        #expect(try WebhookSecret(first.reveal()) == first)
        // Deterministic for one seed, different for another.
        var same = SeededGenerator(state: 42)
        #expect(try WebhookSecret.generate(using: &same) == first)
        var other = SeededGenerator(state: 43)
        #expect(try WebhookSecret.generate(using: &other) != first)
        for count in [24, 33, 63, 64] {
            let secret = try WebhookSecret.generate(byteCount: count, using: &random)
            #expect(secret.key.count == count)
            #expect(try WebhookSecret(secret.reveal()) == secret)
        }
        // The system generator, as hosts use it.
        var system = SystemRandomNumberGenerator()
        let a = try WebhookSecret.generate(using: &system)
        let b = try WebhookSecret.generate(using: &system)
        #expect(a != b)
    }

    @Test("generate refuses fewer than 24 or more than 64 bytes", arguments: [0, 16, 23, 65, 128, -1])
    func refusesByteCount(count: Int) {
        var random = SeededGenerator(state: 1)
        let error = #expect(throws: BillingError.self) { try WebhookSecret.generate(byteCount: count, using: &random) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.field == "byteCount")
    }

    @Test("Prints as whsec_*** in descriptions, interpolation, reflection and dump")
    func redacted() throws {
        let secret = try WebhookVectors.secret()
        let base64 = String(WebhookVectors.secretText.dropFirst(6))
        #expect(secret.description == "whsec_***")
        #expect(secret.debugDescription == "WebhookSecret(whsec_***)")
        #expect("\(secret)" == "whsec_***")
        var dumped = ""
        dump(secret, to: &dumped)
        var dumpedInArray = ""
        dump([secret], to: &dumpedInArray)
        for text in [String(reflecting: secret), dumped, dumpedInArray, "\([secret])", String(describing: Optional(secret))] {
            #expect(!text.contains(base64), "\(text)")
            #expect(!text.contains("49, 242"), "\(text)")  // nor the key's bytes
            #expect(text.contains("whsec_***"), "\(text)")
        }
    }
}
