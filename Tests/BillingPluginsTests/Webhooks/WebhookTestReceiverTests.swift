import AsyncHTTPClient
import BilingusTestSupport
import BillingPlugins
import Foundation
import NIOCore
import Testing

/// The Swift side of the webhook test receiver (Tests/Servers/webhooks) against the
/// running receiver: requests signed here with `WebhookSignature` are verified there
/// by the `standardwebhooks` library.
@Suite("WebhookTestReceiver")
struct WebhookTestReceiverTests {
    /// The project's signer (its vectors are in WebhookSignatureTests); the receiver checks it independently.
    static func sign(secret: String, id: String, timestamp: Int, body: [UInt8]) -> String {
        guard let secret = try? WebhookSecret(secret) else { return "v1,not-a-secret" }
        return WebhookSignature.sign(id: id, timestamp: Int64(timestamp), body: body, secret: secret)
    }

    static func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return (try? WebhookSecret.generate(using: &generator).reveal()) ?? ""
    }

    /// POSTs `body` to `endpoint`, signed with `secret`; the answer's status and headers.
    static func post(
        _ endpoint: WebhookTestReceiver.Endpoint, body: [UInt8], secret: String, id: String = "msg_\(UUID().uuidString)",
        client: HTTPClient = .shared
    ) async throws -> (status: UInt, headers: [String: String]) {
        let timestamp = Int(Date().timeIntervalSince1970)
        var request = HTTPClientRequest(url: endpoint.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "webhook-id", value: id)
        request.headers.add(name: "webhook-timestamp", value: String(timestamp))
        request.headers.add(name: "webhook-signature", value: sign(secret: secret, id: id, timestamp: timestamp, body: body))
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 20)
        let headers = Dictionary(response.headers.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        return (response.status.code, headers)
    }

    @Test("A signed request is answered 200 and logged verified, byte for byte")
    func verified() async throws {
        let receiver = try WebhookTestReceiver.start()
        let secret = Self.newSecret()
        let endpoint = try await receiver.endpoint(secrets: [secret])
        let body = Array(#"{"type":"invoice.paid","data":{"note":"Счёт №42"}}"#.utf8)
        let answer = try await Self.post(endpoint, body: body, secret: secret, id: "msg_one")
        #expect(answer.status == 200)
        let attempts = try await receiver.attempts(endpoint)
        try #require(attempts.count == 1)
        let attempt = attempts[0]
        #expect(attempt.verified)
        #expect(attempt.verifyError == nil)
        #expect(attempt.id == "msg_one")
        #expect(attempt.body == body)
        #expect(attempt.answeredStatus == 200)
        #expect(attempt.signatureHeader?.hasPrefix("v1,") == true)
        #expect(attempt.timestamp.flatMap(Int.init) != nil)
        #expect(attempt.headers["content-type"] == "application/json")
        #expect(abs(attempt.receivedAt.timeIntervalSinceNow) < 60)
        #expect(endpoint.url.hasSuffix("/hooks/\(endpoint.name)"))
    }

    @Test("A request signed with another secret is answered 401 and logged unverified, with the library's error")
    func wrongSignature() async throws {
        let receiver = try WebhookTestReceiver.start()
        let endpoint = try await receiver.endpoint(secrets: [Self.newSecret()])
        let answer = try await Self.post(endpoint, body: Array("{}".utf8), secret: Self.newSecret())
        #expect(answer.status == 401)
        let attempts = try await receiver.attempts(endpoint)
        try #require(attempts.count == 1)
        #expect(!attempts[0].verified)
        #expect(attempts[0].answeredStatus == 401)
        #expect(attempts[0].verifyError?.contains("No matching signature found") == true)
    }

    @Test("A scripted 500 is answered first, then 200, for the same webhook-id")
    func failureThenSuccess() async throws {
        let receiver = try WebhookTestReceiver.start()
        let secret = Self.newSecret()
        let endpoint = try await receiver.endpoint(secrets: [secret])
        try await receiver.script(endpoint, faults: [.status(500)])
        let first = try await Self.post(endpoint, body: Array("{}".utf8), secret: secret, id: "msg_same")
        let second = try await Self.post(endpoint, body: Array("{}".utf8), secret: secret, id: "msg_same")
        #expect(first.status == 500)
        #expect(second.status == 200)
        let attempts = try await receiver.attempts(endpoint)
        #expect(attempts.map(\.answeredStatus) == [500, 200])
        #expect(attempts.map(\.fault) == ["status", nil])
        #expect(attempts.map(\.id) == ["msg_same", "msg_same"])
        #expect(attempts.map(\.verified) == [true, true])
    }

    @Test("Every fault kind reaches the receiver: 429 with Retry-After, an unfollowed redirect, a reset, a delay")
    func faultKinds() async throws {
        let receiver = try WebhookTestReceiver.start()
        let secret = Self.newSecret()
        let endpoint = try await receiver.endpoint(secrets: [secret])
        try await receiver.script(endpoint, faults: [
            .status(429, retryAfter: 7), .redirect(to: "http://127.0.0.1:9/elsewhere"), .reset, .delay(seconds: 0.1),
        ])
        let client = HTTPClient(configuration: .init(redirectConfiguration: .disallow))
        do {
            let limited = try await Self.post(endpoint, body: Array("{}".utf8), secret: secret, client: client)
            #expect(limited.status == 429)
            #expect(limited.headers["retry-after"] == "7")
            let redirected = try await Self.post(endpoint, body: Array("{}".utf8), secret: secret, client: client)
            #expect(redirected.status == 302)
            #expect(redirected.headers["location"] == "http://127.0.0.1:9/elsewhere")
            await #expect(throws: (any Error).self) {
                _ = try await Self.post(endpoint, body: Array("{}".utf8), secret: secret, client: client)
            }
            let delayed = try await Self.post(endpoint, body: Array("{}".utf8), secret: secret, client: client)
            #expect(delayed.status == 200)
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
        let attempts = try await receiver.attempts(endpoint)
        #expect(attempts.map(\.fault) == ["status", "redirect", "reset", "delay"])
        #expect(attempts.map(\.answeredStatus) == [429, 302, nil, 200])
    }

    @Test("Rotation: either secret verifies while both are registered, the old one no longer after")
    func rotation() async throws {
        let receiver = try WebhookTestReceiver.start()
        let old = Self.newSecret(), new = Self.newSecret()
        let endpoint = try await receiver.endpoint(secrets: [old, new])
        let withOld = try await Self.post(endpoint, body: Array("{}".utf8), secret: old)
        let withNew = try await Self.post(endpoint, body: Array("{}".utf8), secret: new)
        try await receiver.setSecrets(endpoint, [new])
        let oldAfter = try await Self.post(endpoint, body: Array("{}".utf8), secret: old)
        #expect([withOld.status, withNew.status, oldAfter.status] == [200, 200, 401])
        let verified = try await receiver.attempts(endpoint).map(\.verified)
        #expect(verified == [true, true, false])
    }
}
