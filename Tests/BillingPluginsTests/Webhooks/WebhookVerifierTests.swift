import BillingCore
import BillingPlugins
import Foundation
import Testing

@Suite("WebhookVerifier")
struct WebhookVerifierTests {
    static let signedAt = Date(timeIntervalSince1970: TimeInterval(WebhookVectors.timestamp))

    static func headers(
        id: String = WebhookVectors.id, timestamp: String = String(WebhookVectors.timestamp), signature: String = WebhookVectors.signature
    ) -> [String: String] {
        ["webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": signature]
    }

    static func verifier(_ secrets: [WebhookSecret]? = nil, tolerance: Duration = .seconds(300)) throws -> WebhookVerifier {
        WebhookVerifier(secrets: try secrets ?? [WebhookVectors.secret()], tolerance: tolerance)
    }

    /// The error `verify` throws, checked for what every refusal must be: coded
    /// `webhook.signature_invalid` as a BillingError, and free of secrets, signatures and the body.
    static func refusal(
        _ headers: [String: String], body: [UInt8] = WebhookVectors.body, verifier: WebhookVerifier? = nil, now: Date = signedAt
    ) throws -> WebhookVerificationError? {
        let verifier = try verifier ?? Self.verifier()
        let error = #expect(throws: WebhookVerificationError.self) { try verifier.verify(body: body, headers: headers, now: now) }
        guard let error else {
            return nil
        }
        let billing = error.billingError
        #expect(billing.code == .webhookSignatureInvalid)
        #expect(billing.code.rawValue == "webhook.signature_invalid")
        #expect(billing.field == error.header)
        #expect((billing.underlying as? WebhookVerificationError) == error)
        let printed = [error.message, String(describing: error), String(describing: billing)]
        for forbidden in ["MfKQ9r8G", "AAECAwQF", "g0hM9SsE", "Ls2jjdKC", "2432232314", "Ада"] {
            #expect(!printed.contains { $0.contains(forbidden) }, "shows \(forbidden)")
        }
        return error
    }

    @Test("Accepts the specification's vector and returns its id and timestamp")
    func acceptsVector() throws {
        let verified = try Self.verifier().verify(body: WebhookVectors.body, headers: Self.headers(), now: Self.signedAt)
        #expect(verified == VerifiedWebhook(id: WebhookVectors.id, timestamp: WebhookVectors.timestamp))
        #expect(verified.date == Self.signedAt)
    }

    @Test("Accepts the Python library's non-ASCII vectors")
    func acceptsUnicodeVectors() throws {
        let headers = Self.headers(signature: WebhookVectors.unicodeSignature)
        try Self.verifier().verify(body: WebhookVectors.unicodeBody, headers: headers, now: Self.signedAt)
        let long = Self.headers(signature: WebhookVectors.longSecretUnicodeSignature)
        try Self.verifier([WebhookVectors.longSecret()]).verify(body: WebhookVectors.unicodeBody, headers: long, now: Self.signedAt)
    }

    @Test("Matches header names regardless of case")
    func caseInsensitiveNames() throws {
        let headers = ["Webhook-Id": WebhookVectors.id, "WEBHOOK-TIMESTAMP": String(WebhookVectors.timestamp), "Webhook-Signature": WebhookVectors.signature]
        let verified = try Self.verifier().verify(body: WebhookVectors.body, headers: headers, now: Self.signedAt)
        #expect(verified.id == WebhookVectors.id)
        // With a name in two cases, the lowercase one is used.
        var both = Self.headers()
        both["Webhook-Signature"] = "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
        try Self.verifier().verify(body: WebhookVectors.body, headers: both, now: Self.signedAt)
    }

    @Test("A missing or empty header is missingHeader(name)", arguments: ["webhook-id", "webhook-timestamp", "webhook-signature"])
    func missingHeader(name: String) throws {
        var headers = Self.headers()
        headers[name] = nil
        #expect(try Self.refusal(headers)?.kind == .missingHeader(name))
        headers[name] = ""
        let error = try Self.refusal(headers)
        #expect(error?.kind == .missingHeader(name))
        #expect(error?.header == name)
        #expect(error?.message == "The \(name) header is missing")
    }

    @Test("A timestamp that is not whole Unix seconds is malformedTimestamp", arguments: ["abc", "-1", "1614265330.5", "1.614265330e9", "+1614265330", "0x60372ef2", "99999999999999999999", "1614 265330"])
    func malformedTimestamp(text: String) throws {
        let error = try Self.refusal(Self.headers(timestamp: text))
        #expect(error?.kind == .malformedTimestamp)
        #expect(error?.billingError.field == "webhook-timestamp")
    }

    @Test("The timestamp must be within the tolerance either way: 300 s passes, 301 s does not")
    func tolerance() throws {
        let verifier = try Self.verifier()
        for offset in [-300.0, -299.5, 0, 299.9, 300] {
            try verifier.verify(body: WebhookVectors.body, headers: Self.headers(), now: Self.signedAt.addingTimeInterval(offset))
        }
        let old = try Self.refusal(Self.headers(), now: Self.signedAt.addingTimeInterval(301))
        #expect(old?.kind == .timestampTooOld)
        #expect(old?.message == "The webhook-timestamp is 301 s old, beyond the tolerance of 300 s")
        let new = try Self.refusal(Self.headers(), now: Self.signedAt.addingTimeInterval(-301))
        #expect(new?.kind == .timestampTooNew)
        #expect(new?.message == "The webhook-timestamp is 301 s in the future, beyond the tolerance of 300 s")
        #expect(try Self.refusal(Self.headers(), now: Self.signedAt.addingTimeInterval(300.5))?.kind == .timestampTooOld)
        // A timestamp of 0 or far in the future.
        #expect(try Self.refusal(Self.headers(timestamp: "0"))?.kind == .timestampTooOld)
        #expect(try Self.refusal(Self.headers(timestamp: "9223372036854775807"))?.kind == .timestampTooNew)
        // A custom tolerance, both ways.
        let strict = try Self.verifier(tolerance: .seconds(10))
        try strict.verify(body: WebhookVectors.body, headers: Self.headers(), now: Self.signedAt.addingTimeInterval(10))
        #expect(try Self.refusal(Self.headers(), verifier: strict, now: Self.signedAt.addingTimeInterval(11))?.kind == .timestampTooOld)
        #expect(try Self.refusal(Self.headers(), verifier: strict, now: Self.signedAt.addingTimeInterval(-11))?.kind == .timestampTooNew)
        let lenient = try Self.verifier(tolerance: .seconds(3_600))
        try lenient.verify(body: WebhookVectors.body, headers: Self.headers(), now: Self.signedAt.addingTimeInterval(-3_600))
    }

    @Test("Rotation: a header signed with the new and the old secret verifies with either, and either order of secrets")
    func rotation() throws {
        let new = try WebhookVectors.longSecret()
        let old = try WebhookVectors.secret()
        let body = WebhookVectors.unicodeBody
        let both = WebhookSignature.header(id: WebhookVectors.id, timestamp: WebhookVectors.timestamp, body: body, secrets: [new, old])
        for secrets in [[new], [old], [new, old], [old, new]] {
            try WebhookVerifier(secrets: secrets).verify(body: body, headers: Self.headers(signature: both), now: Self.signedAt)
        }
        // A receiver that already has both secrets accepts a sender still signing with only one.
        for single in [new, old] {
            let header = WebhookSignature.header(id: WebhookVectors.id, timestamp: WebhookVectors.timestamp, body: body, secrets: [single])
            try WebhookVerifier(secrets: [new, old]).verify(body: body, headers: Self.headers(signature: header), now: Self.signedAt)
        }
        // Neither: refused.
        var random = SeededGenerator(state: 7)
        let stranger = try WebhookSecret.generate(using: &random)
        let error = try Self.refusal(Self.headers(signature: both), body: body, verifier: WebhookVerifier(secrets: [stranger]))
        #expect(error?.kind == .noSignatureMatched)
        #expect(error?.message == "No v1 signature in the webhook-signature header (2) matches the configured signing secrets (1)")
    }

    @Test("A tampered body, id or timestamp matches no signature")
    func tampered() throws {
        var body = WebhookVectors.body
        body[body.count - 2] = UInt8(ascii: "5")
        #expect(try Self.refusal(Self.headers(), body: body)?.kind == .noSignatureMatched)
        #expect(try Self.refusal(Self.headers(), body: WebhookVectors.body + [0x0A])?.kind == .noSignatureMatched)
        #expect(try Self.refusal(Self.headers(), body: [])?.kind == .noSignatureMatched)
        #expect(try Self.refusal(Self.headers(id: "msg_other"))?.kind == .noSignatureMatched)
        #expect(try Self.refusal(Self.headers(timestamp: String(WebhookVectors.timestamp + 1)))?.kind == .noSignatureMatched)
        // One flipped bit in the signature.
        let flipped = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA="
        #expect(try Self.refusal(Self.headers(signature: flipped))?.kind == .noSignatureMatched)
    }

    @Test("Extra spaces and tabs around and between signatures are fine; so are spaces around the timestamp")
    func extraSpaces() throws {
        let verifier = try Self.verifier()
        for signature in [
            "  \(WebhookVectors.signature)  ",
            "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=    \(WebhookVectors.signature)",
            "v1a,abc\t\(WebhookVectors.signature) ",
        ] {
            try verifier.verify(body: WebhookVectors.body, headers: Self.headers(signature: signature), now: Self.signedAt)
        }
        try verifier.verify(body: WebhookVectors.body, headers: Self.headers(timestamp: " \(WebhookVectors.timestamp) "), now: Self.signedAt)
    }

    @Test("Versions other than v1 are ignored, even carrying the right HMAC")
    func unknownVersions() throws {
        let value = WebhookVectors.signature.dropFirst(3)
        for signature in ["v1a,\(value)", "v2,\(value)", "V1,\(value)", "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg=="] {
            let error = try Self.refusal(Self.headers(signature: signature))
            #expect(error?.kind == .noSignatureMatched, "\(signature)")
            #expect(error?.message == "The webhook-signature header has no v1 signature")
        }
        // Beside a v1 one, an unknown version does not stop it matching.
        try Self.verifier().verify(body: WebhookVectors.body, headers: Self.headers(signature: "v1a,\(value) \(WebhookVectors.signature)"), now: Self.signedAt)
    }

    @Test(
        "An entry that is not version,signature, or a v1 value that is not base64 of 32 bytes, is malformedSignature when nothing matched",
        arguments: ["garbage", "v1", "v1,", ",g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", "v1,not base64!", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE",
            "v1,AAAAAAAAAAAAAAAAAAAAAA==", "v1=g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= v1"])
    func malformedSignature(signature: String) throws {
        let error = try Self.refusal(Self.headers(signature: signature))
        #expect(error?.kind == .malformedSignature)
        #expect(error?.billingError.field == "webhook-signature")
        // A matching signature beside it still verifies.
        try Self.verifier().verify(body: WebhookVectors.body, headers: Self.headers(signature: "\(signature) \(WebhookVectors.signature)"), now: Self.signedAt)
    }

    @Test("With no secrets configured, nothing verifies, and the message says why")
    func noSecrets() throws {
        let error = try Self.refusal(Self.headers(), verifier: WebhookVerifier(secrets: []))
        #expect(error?.kind == .noSignatureMatched)
        #expect(error?.message == "No webhook signing secret is configured, so no signature can be verified")
    }

    @Test("Headers are checked in order: id, timestamp, signature; then the timestamp's window, then the signature")
    func order() throws {
        #expect(try Self.refusal([:])?.kind == .missingHeader("webhook-id"))
        #expect(try Self.refusal(["webhook-id": "msg_1"])?.kind == .missingHeader("webhook-timestamp"))
        #expect(try Self.refusal(["webhook-id": "msg_1", "webhook-timestamp": "x"])?.kind == .missingHeader("webhook-signature"))
        #expect(try Self.refusal(Self.headers(timestamp: "x", signature: "garbage"))?.kind == .malformedTimestamp)
        #expect(try Self.refusal(Self.headers(signature: "garbage"), now: Self.signedAt.addingTimeInterval(1_000))?.kind == .timestampTooOld)
    }
}
