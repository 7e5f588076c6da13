import BillingPlugins
import Testing

@Suite("WebhookSignature")
struct WebhookSignatureTests {
    @Test("Signs the specification's vector")
    func specificationVector() throws {
        let signature = WebhookSignature.sign(
            id: WebhookVectors.id, timestamp: WebhookVectors.timestamp, body: WebhookVectors.body, secret: try WebhookVectors.secret())
        #expect(signature == WebhookVectors.signature)
    }

    @Test("Signs a non-ASCII body as its UTF-8 bytes, as the Python library does (24- and 64-byte keys)")
    func unicodeVectors() throws {
        #expect(WebhookVectors.unicodeBody.count == 43)
        let short = WebhookSignature.sign(
            id: WebhookVectors.id, timestamp: WebhookVectors.timestamp, body: WebhookVectors.unicodeBody, secret: try WebhookVectors.secret())
        #expect(short == WebhookVectors.unicodeSignature)
        let long = WebhookSignature.sign(
            id: WebhookVectors.id, timestamp: WebhookVectors.timestamp, body: WebhookVectors.unicodeBody, secret: try WebhookVectors.longSecret())
        #expect(long == WebhookVectors.longSecretUnicodeSignature)
    }

    @Test("Each of id, timestamp and body changes the signature")
    func everyPartIsSigned() throws {
        let secret = try WebhookVectors.secret()
        let base = WebhookSignature.sign(id: WebhookVectors.id, timestamp: WebhookVectors.timestamp, body: WebhookVectors.body, secret: secret)
        let variants = [
            WebhookSignature.sign(id: WebhookVectors.id + "x", timestamp: WebhookVectors.timestamp, body: WebhookVectors.body, secret: secret),
            WebhookSignature.sign(id: WebhookVectors.id, timestamp: WebhookVectors.timestamp + 1, body: WebhookVectors.body, secret: secret),
            WebhookSignature.sign(id: WebhookVectors.id, timestamp: WebhookVectors.timestamp, body: WebhookVectors.body + [0x20], secret: secret),
            WebhookSignature.sign(id: WebhookVectors.id, timestamp: WebhookVectors.timestamp, body: WebhookVectors.body, secret: try WebhookVectors.longSecret()),
        ]
        #expect(Set(variants + [base]).count == 5)
        for signature in variants + [base] {
            #expect(signature.hasPrefix("v1,") && signature.count == 3 + 44)
        }
    }

    @Test("header(...) lists one signature per secret, in order, separated by single spaces")
    func rotationHeader() throws {
        let current = try WebhookVectors.longSecret()
        let previous = try WebhookVectors.secret()
        let header = WebhookSignature.header(
            id: WebhookVectors.id, timestamp: WebhookVectors.timestamp, body: WebhookVectors.unicodeBody, secrets: [current, previous])
        #expect(header == "\(WebhookVectors.longSecretUnicodeSignature) \(WebhookVectors.unicodeSignature)")
        let single = WebhookSignature.header(id: WebhookVectors.id, timestamp: WebhookVectors.timestamp, body: WebhookVectors.body, secrets: [previous])
        #expect(single == WebhookVectors.signature)
        #expect(WebhookSignature.header(id: WebhookVectors.id, timestamp: WebhookVectors.timestamp, body: WebhookVectors.body, secrets: []) == "")
    }

    @Test("The header names are the specification's")
    func headerNames() {
        #expect([WebhookSignature.idHeader, WebhookSignature.timestampHeader, WebhookSignature.signatureHeader] == ["webhook-id", "webhook-timestamp", "webhook-signature"])
    }
}
