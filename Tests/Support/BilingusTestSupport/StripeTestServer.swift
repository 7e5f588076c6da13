import AsyncHTTPClient
public import BillingCore
import Foundation
import NIOCore
import NIOHTTP1

/// The Stripe-API test server that `Scripts/with-test-servers` starts on 127.0.0.1
/// (Tests/Servers/stripe: localstripe made faithful), and its control API. Each test
/// uses its own API key, which scopes the server's faults and request log to it.
public struct StripeTestServer: Sendable {
    public let baseURL: String
    /// This test's API key.
    public let apiKey: String

    /// A server at `baseURL`, used with `apiKey`.
    public init(baseURL: String, apiKey: String) {
        self.baseURL = baseURL
        self.apiKey = apiKey
    }

    /// The server named by `BILLING_TEST_STRIPE_URL`, with a fresh API key.
    /// - Throws: when the variable is not set: run the tests with `Scripts/test`.
    public static func start() throws -> StripeTestServer {
        guard let url = ProcessInfo.processInfo.environment["BILLING_TEST_STRIPE_URL"], !url.isEmpty else {
            throw ServerMissing()
        }
        return StripeTestServer(baseURL: url, apiKey: "sk_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())")
    }

    struct ServerMissing: Error, CustomStringConvertible {
        public var description: String {
            "BILLING_TEST_STRIPE_URL is not set: run the tests with Scripts/test (or Scripts/with-test-servers swift test ...)"
        }
    }

    /// Another key on the same server (a second tenant's account).
    public func otherAccount() -> StripeTestServer {
        StripeTestServer(baseURL: baseURL, apiKey: "sk_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())")
    }

    /// The plugin settings that point at this server.
    public var settings: PluginSettings {
        ["apiKey": .secret(apiKey), "baseURL": .init(.string(baseURL))]
    }

    // MARK: Faults

    /// Makes the next `times` requests matching `method` and `path` (a regex) answer `status` without running.
    public func failNext(
        _ method: String = "POST", path: String, status: Int, headers: [String: String] = [:], error: JSONValue? = nil, times: Int = 1
    ) async throws {
        var action: [String: JSONValue] = ["type": "error", "status": .int(Int64(status)), "headers": .object(JSONObject(headers.mapValues { .string($0) }))]
        if let error { action["error"] = error }
        try await addFault(method, path: path, times: times, action: .object(JSONObject(action)))
    }

    /// Makes the next matching request run, then answer 500 instead of its real answer.
    public func loseNextResponse(_ method: String = "POST", path: String) async throws {
        try await addFault(method, path: path, times: 1, action: ["type": "lost_response", "status": 500])
    }

    /// Makes the next matching request run, then hold its answer for `seconds`.
    public func holdNextResponse(_ method: String = "POST", path: String, seconds: Double) async throws {
        try await addFault(method, path: path, times: 1, action: ["type": "delay", "seconds": .double(seconds), "after_execution": true])
    }

    private func addFault(_ method: String, path: String, times: Int, action: JSONValue) async throws {
        let body: JSONValue = ["api_key": .string(apiKey), "method": .string(method), "path": .string(path), "times": .int(Int64(times)), "action": action]
        _ = try await control(.POST, "/_test/faults", body: body)
    }

    // MARK: Observations

    /// One request the server received with this test's key.
    public struct LoggedRequest: Decodable, Sendable {
        public var method: String
        public var path: String
        public var idempotencyKey: String?
        public var stripeVersion: String?
        public var params: JSONValue
        /// `nil` while the request is still running (its answer held by a delay fault).
        public var status: Int?
        public var replayed: Bool
        public var fault: String?
        public var executed: Bool

        enum CodingKeys: String, CodingKey {
            case method, path, params, status, replayed, fault, executed
            case idempotencyKey = "idempotency_key"
            case stripeVersion = "stripe_version"
        }
    }

    /// Every request made with this test's key, oldest first.
    public func requests() async throws -> [LoggedRequest] {
        let json = try await control(.GET, "/_test/requests?api_key=\(apiKey)")
        return try CanonicalJSON.decode([LoggedRequest].self, from: json)
    }

    /// The requests to `path` (exact) with `method`.
    public func requests(_ method: String, _ path: String) async throws -> [LoggedRequest] {
        try await requests().filter { $0.method == method && $0.path == path }
    }

    /// Moves an intent to `processing` (no test card does).
    public func setProcessing(_ intentId: String) async throws {
        _ = try await control(.POST, "/_test/payment_intents/\(intentId)/status", body: ["status": "processing"])
    }

    // MARK: Webhooks

    /// One webhook request localstripe sent to a sink, exactly as sent.
    public struct Delivery: Sendable {
        public var headers: [(String, String)]
        public var body: [UInt8]
        public var json: JSONValue
    }

    /// Registers a sink named `name` as a localstripe webhook endpoint signed with `secret`,
    /// for the events of this test's key.
    public func registerWebhookSink(_ name: String, secret: String) async throws {
        let url = "\(baseURL)/_test/webhook_sink/\(name)"
        var request = HTTPClientRequest(url: "\(baseURL)/_config/webhooks/\(name)")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        // Scoped to this test's key, so parallel tests do not get each other's events.
        let form = "url=\(url.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? url)&secret=\(secret)&api_key=\(apiKey)"
        request.body = .bytes(ByteBuffer(string: form))
        _ = try await send(request)
    }

    /// What the sink received so far.
    public func deliveries(_ name: String) async throws -> [Delivery] {
        let json = try await control(.GET, "/_test/webhook_sink/\(name)")
        return (json.arrayValue ?? []).compactMap { entry in
            guard let base64 = entry["body_base64"]?.stringValue, let data = Data(base64Encoded: base64) else { return nil }
            let headers = (entry["headers"]?.objectValue).map { object in object.map { ($0.key, $0.value.stringValue ?? "") } } ?? []
            let body = [UInt8](data)
            guard let json = try? CanonicalJSON.decode(body) else { return nil }
            return Delivery(headers: headers, body: body, json: json)
        }
    }

    /// Waits (polling, up to 15 s of real time: the webhook is sent by another process) for
    /// a delivery of `type` about the intent `intentId`.
    public func waitForDelivery(_ name: String, type: String, intentId: String) async throws -> Delivery {
        try await waitForDelivery(name, type: type, about: "intent \(intentId)") { object in
            object["id"]?.stringValue == intentId || object["payment_intent"]?.stringValue == intentId
        }
    }

    /// Waits for a delivery of `type` whose `data.object` satisfies `matches`.
    public func waitForDelivery(_ name: String, type: String, about: String, where matches: (JSONValue) -> Bool) async throws -> Delivery {
        for _ in 0..<300 {
            let found = try await deliveries(name).first { delivery in
                guard delivery.json["type"]?.stringValue == type, let object = delivery.json["data"]?["object"] else { return false }
                return matches(object)
            }
            if let found { return found }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ExpectationFailure("no \(type) webhook about \(about) reached the sink within 15 s")
    }

    // MARK: Plumbing

    private func control(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil) async throws -> JSONValue {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: CanonicalJSON.encode(body)))
        }
        let bytes = try await send(request)
        return bytes.isEmpty ? .null : try CanonicalJSON.decode(bytes)
    }

    private func send(_ request: HTTPClientRequest) async throws -> [UInt8] {
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 16 << 20)
        guard (200..<300).contains(response.status.code) else {
            throw ExpectationFailure("the test server answered \(response.status.code) to \(request.url): \(String(buffer: body))")
        }
        return Array(body.readableBytesView)
    }
}

/// A test's own failure with a message.
public struct ExpectationFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
