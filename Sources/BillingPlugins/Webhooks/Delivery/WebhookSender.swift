import AsyncHTTPClient
import BillingCore
import Foundation
import NIOCore
import NIOHTTP1

/// What one request got: a status and the start of the body, or the error that stopped it.
struct WebhookSendResult: Sendable {
    var statusCode: Int?
    var retryAfter: String?
    /// The first ``WebhookSender/keptBodyBytes`` of the response body, as text.
    var responseBody: String?
    /// Why no response came, in words without the URL (whose query may hold a token).
    var error: String?
    var duration: Duration
}

/// Sends webhook requests with AsyncHTTPClient, to the address the SSRF guard checked:
/// one client per (host, checked address), whose DNS override pins the connection to
/// that address while TLS still verifies the host name. Redirects are never followed.
final class WebhookSender: Sendable {
    /// How much of a response body the log keeps.
    static let keptBodyBytes = 2048
    /// How much of a body is read at most; the rest is dropped with the connection.
    static let maxReadBytes = 1 << 20

    let timeout: Duration
    private let clients = Locked<[String: HTTPClient]>([:])

    init(timeout: Duration) {
        self.timeout = timeout
    }

    /// POSTs `body` with `headers` to `target`, within the timeout, connecting included.
    func send(_ body: [UInt8], headers: [(String, String)], to target: CheckedWebhookTarget) async -> WebhookSendResult {
        let started = ContinuousClock.now
        var request = HTTPClientRequest(url: Self.url(target))
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "user-agent", value: "Bilingus-Webhooks/1")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client(for: target).execute(request, timeout: TimeAmount(timeout))
            var kept: [UInt8] = []
            var read = 0
            for try await chunk in response.body {
                read += chunk.readableBytes
                if kept.count < Self.keptBodyBytes { kept += chunk.readableBytesView.prefix(Self.keptBodyBytes - kept.count) }
                if read >= Self.maxReadBytes { break }
            }
            return WebhookSendResult(
                statusCode: Int(response.status.code), retryAfter: response.headers.first(name: "retry-after"),
                responseBody: kept.isEmpty ? nil : String(decoding: kept, as: UTF8.self), duration: ContinuousClock.now - started
            )
        } catch {
            return WebhookSendResult(error: describe(error), duration: ContinuousClock.now - started)
        }
    }

    /// Closes every client.
    func shutdown() async {
        let all = clients.withLock { clients -> [HTTPClient] in
            defer { clients.removeAll() }
            return Array(clients.values)
        }
        for client in all { try? await client.shutdown() }
    }

    private func client(for target: CheckedWebhookTarget) -> HTTPClient {
        let address = target.addresses.first?.description ?? target.host
        let key = "\(target.host)|\(address)"
        return clients.withLock { clients in
            if let client = clients[key] { return client }
            var configuration = HTTPClient.Configuration(
                redirectConfiguration: .disallow,
                timeout: .init(connect: TimeAmount(timeout), read: TimeAmount(timeout))
            )
            configuration.decompression = .disabled
            if WebhookIPAddress(target.host) == nil { configuration.dnsOverride = [target.host: address] }
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            clients[key] = client
            return client
        }
    }

    private static func url(_ target: CheckedWebhookTarget) -> String {
        let host = target.host.contains(":") ? "[\(target.host)]" : target.host
        return "\(target.scheme)://\(host):\(target.port)\(target.requestTarget)"
    }

    private func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout:
                return "No response within \(timeout)"
            case .remoteConnectionClosed:
                return "The receiver closed the connection before answering"
            default:
                return "HTTP client error: \(error)"
            }
        }
        let text = "\(error)"
        return text.count > 300 ? String(text.prefix(300)) + "…" : text
    }
}
