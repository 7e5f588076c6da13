import BillingPlugins

/// Test vectors for Standard Webhooks signatures.
///
/// The first is the specification's own (spec/standard-webhooks.md). The non-ASCII ones were
/// computed with the reference Python library, PyPI `standardwebhooks` 1.1.0:
///
///     python3 -m venv /tmp/swh && /tmp/swh/bin/pip install 'standardwebhooks>=1.1,<1.2'
///     /tmp/swh/bin/python -c 'from standardwebhooks.webhooks import Webhook
///     from datetime import datetime, timezone
///     ts = datetime.fromtimestamp(1614265330, tz=timezone.utc)
///     body = "{\"name\":\"Ада\",\"amount\":\"1\u00a0234,56\u00a0₽\"}"
///     print(Webhook(SECRET).sign("msg_p5jXN8AQM9LWM0D4loKWxJek", ts, body))'
///
/// with SECRET the specification's secret, then ``longSecretText`` (the base64 of bytes 0…63).
enum WebhookVectors {
    static let secretText = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    static let timestamp: Int64 = 1_614_265_330
    static let body = Array(#"{"test": 2432232314}"#.utf8)
    static let signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

    /// Cyrillic, two no-break spaces (U+00A0) and the rouble sign: 43 bytes of UTF-8.
    static let unicodeBody = Array("{\"name\":\"Ада\",\"amount\":\"1\u{00A0}234,56\u{00A0}₽\"}".utf8)
    static let unicodeSignature = "v1,Ls2jjdKCgu+g3ilkqUBxhMcYemlOnWtuq1AsySrQ2J0="

    /// 64 bytes, the longest key the specification allows.
    static let longSecretText = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw=="
    static let longSecretUnicodeSignature = "v1,ThmKIDTon7A5tqjYckkiXDmBRLpkxSggYgaEzLD3YzM="

    static func secret() throws -> WebhookSecret { try WebhookSecret(secretText) }
    static func longSecret() throws -> WebhookSecret { try WebhookSecret(longSecretText) }
}

/// SplitMix64: a seeded generator, so generated secrets are reproducible in tests.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
