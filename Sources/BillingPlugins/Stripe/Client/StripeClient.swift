import AsyncHTTPClient
import BillingCore
import CoreMetrics
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Sends requests to Stripe's API: form-encoded bodies, the pinned `Stripe-Version`, an
/// `Idempotency-Key` on every POST, and retries that reuse that key, so a retried request
/// never runs twice at Stripe.
struct StripeClient: Sendable {
    /// What Stripe answered to a request that succeeded.
    struct Response: Sendable {
        /// The decoded body.
        var json: JSONValue
        /// Stripe's `Request-Id`.
        var requestId: String?
        /// Whether Stripe replayed a saved result (`Idempotent-Replayed: true`).
        var replayed: Bool
    }

    /// A Stripe answer larger than this is refused rather than buffered.
    static let maxResponseBytes = 4 << 20

    let http: HTTPClient
    let clock: any Clock<Duration>
    let logger: Logger
    /// Counts every attempt as `billing.stripe.requests` by operation and outcome (`ok` or
    /// Stripe's error kind) and times it as `billing.stripe.request.duration`.
    let metrics: any MetricsFactory
    /// Failures in a row, for the plugin's health check.
    let health: StripeHealth

    /// Sends one request, retrying as ``StripeRetryPolicy`` says.
    /// - Parameters:
    ///   - operation: what the request does, for errors and logs ("create the payment intent").
    ///   - idempotencyKey: required for POST; the same on every retry.
    /// - Throws: a `BillingError` coded `stripe.*` with a ``StripeError`` as its cause.
    func send(
        _ method: HTTPMethod, _ path: String, form: StripeForm = StripeForm(), idempotencyKey: String? = nil,
        settings: StripeSettings, operation: String
    ) async throws -> Response {
        precondition(method != .POST || idempotencyKey != nil, "every POST to Stripe carries an idempotency key")
        let policy = StripeRetryPolicy(maxRetries: settings.maxRetries)
        let redactor = SecretRedactor([settings.apiKey.reveal()])
        var random = SystemRandomNumberGenerator()
        var attempt = 1
        while true {
            let outcome: StripeAttemptOutcome
            let failure: StripeError
            let started = ContinuousClock.now
            defer {
                CoreMetrics.Timer(label: "billing.stripe.request.duration", dimensions: [("operation", operation)], factory: metrics)
                    .record(duration: ContinuousClock.now - started)
            }
            do {
                let response = try await http.execute(
                    request(method, path, form: form, idempotencyKey: idempotencyKey, settings: settings),
                    timeout: .seconds((settings.connectTimeout + settings.readTimeout).components.seconds)  // whole seconds, as set
                )
                let body = try await response.body.collect(upTo: Self.maxResponseBytes)
                let requestId = response.headers.first(name: "Request-Id")
                if (200..<300).contains(response.status.code) {
                    guard let json = try? CanonicalJSON.decode(body.readableBytesView) else {
                        throw StripeError(kind: .api, httpStatus: Int(response.status.code), message: "Stripe answered with a body that is not JSON", requestId: requestId)
                            .billingError(during: operation)
                    }
                    let replayed = response.headers.first(name: "Idempotent-Replayed")?.lowercased() == "true"
                    count(operation, "ok")
                    health.record(nil)
                    return Response(json: json, requestId: requestId, replayed: replayed)
                }
                failure = StripeErrorBody.decode(body.readableBytesView, status: Int(response.status.code), requestId: requestId, redactor: redactor)
                outcome = .response(
                    status: Int(response.status.code),
                    shouldRetry: StripeRetryPolicy.shouldRetry(header: response.headers.first(name: "Stripe-Should-Retry")),
                    retryAfter: StripeRetryPolicy.retryAfter(header: response.headers.first(name: "Retry-After"))
                )
            } catch let error as BillingError {
                throw error
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                failure = StripeError(kind: .connection, message: redactor.redact(Self.describe(error)))
                outcome = .connectionFailed
            }
            count(operation, failure.kind.rawValue)
            health.record(failure.kind)
            guard case .retry(let delay) = policy.decision(afterAttempt: attempt, outcome: outcome, using: &random) else {
                throw failure.billingError(during: operation)
            }
            logger.warning(
                "Stripe request failed; retrying with the same idempotency key",
                metadata: [
                    "stripe.operation": "\(operation)", "stripe.attempt": "\(attempt)", "stripe.error": "\(failure.kind.rawValue)",
                    "stripe.status": "\(failure.httpStatus.map(String.init) ?? "-")", "stripe.request_id": "\(failure.requestId ?? "-")",
                    "stripe.retry_in": "\(delay)",
                ]
            )
            try await clock.sleep(for: delay)
            attempt += 1
        }
    }

    private func count(_ operation: String, _ outcome: String) {
        Counter(label: "billing.stripe.requests", dimensions: [("operation", operation), ("outcome", outcome)], factory: metrics).increment()
    }

    private func request(_ method: HTTPMethod, _ path: String, form: StripeForm, idempotencyKey: String?, settings: StripeSettings) -> HTTPClientRequest {
        let body = form.encoded
        var request = HTTPClientRequest(url: settings.baseURL + path + (method == .GET && !body.isEmpty ? "?" + body : ""))
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(settings.apiKey.reveal())")
        request.headers.add(name: "Stripe-Version", value: settings.apiVersion)
        request.headers.add(name: "User-Agent", value: "Bilingus-Stripe/\(StripePaymentPlugin.pluginVersion)")
        if let idempotencyKey {
            request.headers.add(name: "Idempotency-Key", value: idempotencyKey)
        }
        if method != .GET {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: body))
        }
        return request
    }

    /// A transport failure in words, without the request (which holds the API key).
    private static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "the connection timed out"
            case .readTimeout, .deadlineExceeded: return "no answer within the read timeout"
            case .remoteConnectionClosed: return "the connection closed before the answer"
            default: return "HTTP client error \(error.shortDescription)"
            }
        }
        return "\(type(of: error)): \(error)"
    }
}
