import BillingCore
import BillingPlugins
import Foundation
import Testing

/// Vectors computed independently, with Python's hmac module:
///
///     python3 -c 'import hmac,hashlib; print(hmac.new(b"whsec_test_secret",
///         b"1764590400." + BODY, hashlib.sha256).hexdigest())'
///
/// for BODY = `{"id":"evt_1","object":"event","type":"payment_intent.succeeded"}` (and the
/// secret `whsec_old_secret`, and the same body with `evt_2`, and `Привет 🎉` in UTF-8).
@Suite("StripeWebhookSignature")
struct StripeWebhookSignatureTests {
    static let body = Array(#"{"id":"evt_1","object":"event","type":"payment_intent.succeeded"}"#.utf8)
    static let secret = Secret("whsec_test_secret")
    static let oldSecret = Secret("whsec_old_secret")
    static let timestamp: Int64 = 1_764_590_400
    static let signedAt = Date(timeIntervalSince1970: 1_764_590_400)
    static let vector = "ef47d985b429654de5c4237e0fd2c7290efc39db17814a2cb34b0f9f1ec23449"
    static let oldSecretVector = "1250f685da979d6ec431d9efac35ad95fd5516ebc7624c6560b042ba7e19a2c6"
    static let otherBodyVector = "eac377daaef3a1b4d50136c6d9ddd90382593be9d84cb78e3e8220c50c575f93"
    static let unicodeVector = "f9fa85d9f4b4dcc00404cac245fd11c2563d454227d068596bfe137e9dd3c94a"

    static func refusal(
        _ header: String?, payload: [UInt8] = body, secrets: [Secret] = [secret], now: Date = signedAt
    ) -> BillingError? {
        let error = #expect(throws: BillingError.self) {
            try StripeWebhookSignature.verify(payload: payload, header: header, secrets: secrets, now: now)
        }
        #expect(error?.code == .webhookSignatureInvalid)
        #expect(error?.field == "Stripe-Signature")
        if let message = error?.message {
            // Never a secret, a signature or the body.
            for forbidden in ["whsec_", vector, oldSecretVector, otherBodyVector, "evt_1", "payment_intent"] {
                #expect(!message.contains(forbidden), "message shows \(forbidden)")
            }
            #expect(!String(describing: error!).contains("whsec_"))
        }
        return error
    }

    @Test("Accepts Stripe's header computed independently, and returns its timestamp")
    func acceptsVector() throws {
        let header = "t=\(Self.timestamp),v1=\(Self.vector)"
        let verified = try StripeWebhookSignature.verify(payload: Self.body, header: header, secrets: [Self.secret], now: Self.signedAt)
        #expect(verified == Self.signedAt)
        // Uppercase hex, spaces around items, and a v0 scheme alongside are fine.
        let loose = "t=\(Self.timestamp), v0=\(Self.otherBodyVector), v1=\(Self.vector.uppercased())"
        #expect(try StripeWebhookSignature.verify(payload: Self.body, header: loose, secrets: [Self.secret], now: Self.signedAt) == Self.signedAt)
        // Any collection of bytes will do, and the body is signed as raw UTF-8.
        let unicode = "t=\(Self.timestamp),v1=\(Self.unicodeVector)"
        try StripeWebhookSignature.verify(payload: Data("Привет 🎉".utf8), header: unicode, secrets: [Self.secret], now: Self.signedAt)
        try StripeWebhookSignature.verify(payload: Self.body[...], header: header, secrets: [Self.secret], now: Self.signedAt)
    }

    @Test("header(payload:secret:timestamp:) produces Stripe's format, lowercase hex, whole seconds")
    func makesHeader() throws {
        #expect(StripeWebhookSignature.header(payload: Self.body, secret: Self.secret, timestamp: Self.signedAt) == "t=\(Self.timestamp),v1=\(Self.vector)")
        let fractional = Self.signedAt.addingTimeInterval(0.75)
        #expect(StripeWebhookSignature.header(payload: Self.body, secret: Self.secret, timestamp: fractional) == "t=\(Self.timestamp),v1=\(Self.vector)")
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let made = StripeWebhookSignature.header(payload: Self.body, secret: Self.oldSecret, timestamp: now)
        #expect(try StripeWebhookSignature.verify(payload: Self.body, header: made, secrets: [Self.oldSecret], now: now) == now)
    }

    @Test("A secret roll: several v1 values, several secrets")
    func roll() throws {
        // Stripe signs with each active secret; only the second value is made with ours.
        let twoValues = "t=\(Self.timestamp),v1=\(Self.otherBodyVector),v1=\(Self.vector)"
        try StripeWebhookSignature.verify(payload: Self.body, header: twoValues, secrets: [Self.secret], now: Self.signedAt)
        // The host holds the new and the old secret; this request is signed with the old one.
        let oldOnly = "t=\(Self.timestamp),v1=\(Self.oldSecretVector)"
        try StripeWebhookSignature.verify(payload: Self.body, header: oldOnly, secrets: [Self.secret, Self.oldSecret], now: Self.signedAt)
        // With only the new secret it is refused.
        let error = Self.refusal(oldOnly)
        #expect(error?.message.contains("matches") == true)
    }

    @Test("The timestamp must be within the tolerance, past or future: 300 s passes, 301 s does not")
    func tolerance() throws {
        let header = "t=\(Self.timestamp),v1=\(Self.vector)"
        for offset in [-300.0, -1, 0, 299.5, 300] {
            try StripeWebhookSignature.verify(payload: Self.body, header: header, secrets: [Self.secret], now: Self.signedAt.addingTimeInterval(offset))
        }
        let stale = Self.refusal(header, now: Self.signedAt.addingTimeInterval(301))
        #expect(stale?.message.contains("301 s old") == true)
        let future = Self.refusal(header, now: Self.signedAt.addingTimeInterval(-301))
        #expect(future?.message.contains("in the future") == true)
        // A custom tolerance.
        try StripeWebhookSignature.verify(
            payload: Self.body, header: header, secrets: [Self.secret], tolerance: .seconds(3_600), now: Self.signedAt.addingTimeInterval(3_600))
        #expect(throws: BillingError.self) {
            try StripeWebhookSignature.verify(
                payload: Self.body, header: header, secrets: [Self.secret], tolerance: .seconds(10), now: Self.signedAt.addingTimeInterval(11))
        }
        #expect(StripeWebhookSignature.defaultTolerance == .seconds(300))
    }

    @Test("A tampered body, timestamp or signature is refused")
    func tampering() {
        var tampered = Self.body
        tampered[tampered.count - 3] ^= 0x01
        #expect(Self.refusal("t=\(Self.timestamp),v1=\(Self.vector)", payload: tampered) != nil)
        #expect(Self.refusal("t=\(Self.timestamp),v1=\(Self.vector)", payload: Self.body + [0x0A]) != nil)
        // The signed timestamp text matters, even when it is the same number.
        #expect(Self.refusal("t=\(Self.timestamp + 1),v1=\(Self.vector)") != nil)
        #expect(Self.refusal("t=0\(Self.timestamp),v1=\(Self.vector)") != nil)
        var flipped = Array(Self.vector)
        flipped[0] = flipped[0] == "e" ? "f" : "e"
        #expect(Self.refusal("t=\(Self.timestamp),v1=\(String(flipped))") != nil)
        #expect(Self.refusal("t=\(Self.timestamp),v1=\(Self.vector)", secrets: [Secret("whsec_wrong")]) != nil)
        let none = Self.refusal("t=\(Self.timestamp),v1=\(Self.vector)", secrets: [])
        #expect(none?.message.contains("No webhook signing secret is configured") == true)
    }

    @Test("A missing or garbled header is refused with a message that says what is wrong")
    func garbled() {
        #expect(Self.refusal(nil)?.message.contains("missing") == true)
        #expect(Self.refusal("")?.message.contains("missing") == true)
        #expect(Self.refusal("t=abc,v1=\(Self.vector)")?.message.contains("not whole Unix seconds") == true)
        #expect(Self.refusal("t=,v1=\(Self.vector)")?.message.contains("not whole Unix seconds") == true)
        #expect(Self.refusal("t=-5,v1=\(Self.vector)")?.message.contains("not whole Unix seconds") == true)
        #expect(Self.refusal("t=99999999999999999999,v1=\(Self.vector)")?.message.contains("not whole Unix seconds") == true)
        #expect(Self.refusal("v1=\(Self.vector)")?.message.contains("no timestamp") == true)
        #expect(Self.refusal("t=\(Self.timestamp)")?.message.contains("no v1 signature") == true)
        #expect(Self.refusal("t=\(Self.timestamp),v0=\(Self.vector)")?.message.contains("no v1 signature") == true)
        // Unparsable v1 values are ignored, so none is left.
        #expect(Self.refusal("t=\(Self.timestamp),v1=zz\(Self.vector.dropFirst(2))")?.message.contains("no v1 signature") == true)
        #expect(Self.refusal("t=\(Self.timestamp),v1=\(Self.vector.dropLast())")?.message.contains("no v1 signature") == true)
        #expect(Self.refusal("t=\(Self.timestamp),t=\(Self.timestamp),v1=\(Self.vector)")?.message.contains("more than one timestamp") == true)
        #expect(Self.refusal("t=\(Self.timestamp);v1=\(Self.vector)") != nil)
        #expect(Self.refusal("garbage")?.message.contains("key=value") == true)
        #expect(Self.refusal("t=\(Self.timestamp),,v1=\(Self.vector)")?.message.contains("key=value") == true)
        // An unparsable v1 next to a good one does not spoil it.
        let mixed = "t=\(Self.timestamp),v1=nothex,v1=\(Self.vector)"
        #expect((try? StripeWebhookSignature.verify(payload: Self.body, header: mixed, secrets: [Self.secret], now: Self.signedAt)) == Self.signedAt)
    }
}
