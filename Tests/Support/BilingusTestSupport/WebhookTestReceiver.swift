import AsyncHTTPClient
import BillingCore
public import Foundation
import NIOCore
import NIOHTTP1

/// The webhook test receiver that `Scripts/with-test-servers` starts on 127.0.0.1
/// (Tests/Servers/webhooks): it verifies every request with the PyPI package
/// `standardwebhooks`, logs each attempt and answers scripted faults. Each test
/// registers endpoints of its own (a fresh name each), so parallel tests never share
/// secrets, faults or logs.
public struct WebhookTestReceiver: Sendable {
    /// `http://127.0.0.1:<port>`.
    public let baseURL: String

    /// A receiver at `baseURL`.
    public init(baseURL: String) {
        self.baseURL = baseURL
    }

    /// The receiver named by `BILLING_TEST_WEBHOOK_URL`.
    /// - Throws: when the variable is not set: run the tests with `Scripts/test`.
    public static func start() throws -> WebhookTestReceiver {
        guard let url = ProcessInfo.processInfo.environment["BILLING_TEST_WEBHOOK_URL"], !url.isEmpty else {
            throw ReceiverMissing()
        }
        return WebhookTestReceiver(baseURL: url)
    }

    struct ReceiverMissing: Error, CustomStringConvertible {
        var description: String {
            "BILLING_TEST_WEBHOOK_URL is not set: run the tests with Scripts/test (or Scripts/with-test-servers swift test ...)"
        }
    }

    /// One endpoint on the receiver.
    public struct Endpoint: Sendable, Hashable {
        /// Unique per registration (a UUID), so tests never share an endpoint.
        public let name: String
        /// Where to POST: `<baseURL>/hooks/<name>`.
        public let url: String
    }

    /// An answer scripted for one verified request; the queue is spent in order, then
    /// the endpoint answers 200. A request that fails verification takes none (it gets 401).
    public enum Fault: Sendable, Hashable {
        /// Answer `status`, with `Retry-After: <retryAfter>` when given.
        case status(Int, retryAfter: Int? = nil)
        /// Wait `seconds` before answering 200 (to outlast the client's timeout).
        case delay(seconds: Double)
        /// Close the connection (TCP RST) without answering.
        case reset
        /// Answer 302 with `Location: <to>` (a client must not follow it).
        case redirect(to: String)
    }

    /// One request an endpoint received, as logged by the receiver.
    public struct Attempt: Sendable, Decodable {
        /// The position in the endpoint's log, from 0.
        public let seq: Int
        /// The `webhook-id` header.
        public let id: String?
        /// The `webhook-timestamp` header, as sent.
        public let timestamp: String?
        /// The `webhook-signature` header, as sent.
        public let signatureHeader: String?
        /// Whether `standardwebhooks` verified it with one of the endpoint's secrets.
        public let verified: Bool
        /// The library's error when it did not (the reason for each secret, `; `-joined).
        public let verifyError: String?
        /// The body, byte for byte.
        public let body: [UInt8]
        /// The status the receiver answered; `nil` for a reset, or while a delay still holds the answer.
        public let answeredStatus: Int?
        /// The fault this request got (`status`, `redirect`, `delay`, `reset`), if any.
        public let fault: String?
        /// All request headers, names lower-cased.
        public let headers: [String: String]
        /// When the receiver got it.
        public let receivedAt: Date

        enum CodingKeys: String, CodingKey {
            case seq, verified, fault, headers
            case id = "webhook_id"
            case timestamp = "webhook_timestamp"
            case signatureHeader = "webhook_signature"
            case verifyError = "verify_error"
            case body = "body_base64"
            case answeredStatus = "answered_status"
            case receivedAt = "received_at"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            seq = try container.decode(Int.self, forKey: .seq)
            id = try container.decodeIfPresent(String.self, forKey: .id)
            timestamp = try container.decodeIfPresent(String.self, forKey: .timestamp)
            signatureHeader = try container.decodeIfPresent(String.self, forKey: .signatureHeader)
            verified = try container.decode(Bool.self, forKey: .verified)
            verifyError = try container.decodeIfPresent(String.self, forKey: .verifyError)
            let base64 = try container.decode(String.self, forKey: .body)
            guard let data = Data(base64Encoded: base64) else {
                throw DecodingError.dataCorruptedError(forKey: .body, in: container, debugDescription: "not base64")
            }
            body = Array(data)
            answeredStatus = try container.decodeIfPresent(Int.self, forKey: .answeredStatus)
            fault = try container.decodeIfPresent(String.self, forKey: .fault)
            headers = try container.decode([String: String].self, forKey: .headers)
            receivedAt = Date(timeIntervalSince1970: try container.decode(Double.self, forKey: .receivedAt))
        }
    }

    /// Registers a fresh endpoint that verifies with any of `secrets` (`whsec_...`; several during a rotation).
    public func endpoint(secrets: [String]) async throws -> Endpoint {
        let name = "ep-\(UUID().uuidString.lowercased())"
        try await register(name, secrets: secrets)
        return Endpoint(name: name, url: "\(baseURL)/hooks/\(name)")
    }

    /// Replaces the secrets `endpoint` verifies with (the end of a rotation's grace period, say);
    /// its faults and log stay.
    public func setSecrets(_ endpoint: Endpoint, _ secrets: [String]) async throws {
        try await register(endpoint.name, secrets: secrets)
    }

    /// Appends `faults` to the answers scripted for `endpoint`'s next verified requests.
    public func script(_ endpoint: Endpoint, faults: [Fault]) async throws {
        _ = try await control(.POST, "/_control/endpoints/\(endpoint.name)/faults", body: ["faults": .array(faults.map(\.json))])
    }

    /// Every request `endpoint` received, in order.
    public func attempts(_ endpoint: Endpoint) async throws -> [Attempt] {
        let bytes = try await control(.GET, "/_control/endpoints/\(endpoint.name)/attempts")
        return try JSONDecoder().decode([Attempt].self, from: Data(bytes))
    }

    /// Forgets `endpoint`'s log (its secrets and faults stay).
    public func clearAttempts(_ endpoint: Endpoint) async throws {
        _ = try await control(.DELETE, "/_control/endpoints/\(endpoint.name)/attempts")
    }

    private func register(_ name: String, secrets: [String]) async throws {
        _ = try await control(.POST, "/_control/endpoints/\(name)", body: ["secrets": .array(secrets.map { .string($0) })])
    }

    private func control(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil) async throws -> [UInt8] {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: CanonicalJSON.encode(body)))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        guard (200..<300).contains(response.status.code) else {
            throw ExpectationFailure("the webhook receiver answered \(response.status.code) to \(method) \(path): \(String(buffer: bytes))")
        }
        return Array(bytes.readableBytesView)
    }
}

extension WebhookTestReceiver.Fault {
    /// The receiver's JSON for this fault (Tests/Servers/webhooks/endpoints.py, `parse_fault`).
    var json: JSONValue {
        switch self {
        case .status(let status, let retryAfter):
            var fault: [String: JSONValue] = ["type": "status", "status": .int(Int64(status))]
            if let retryAfter { fault["retry_after"] = .int(Int64(retryAfter)) }
            return .object(JSONObject(fault))
        case .delay(let seconds):
            return ["type": "delay", "seconds": .double(seconds)]
        case .reset:
            return ["type": "reset"]
        case .redirect(let location):
            return ["type": "redirect", "location": .string(location)]
        }
    }
}
