import BillingCore
import Foundation
import Logging

/// One attempt of one claimed message: the endpoint and event read fresh, the URL checked
/// again (and the connection pinned to the checked address), the request signed with every
/// live secret and sent, then the message settled in one write with the attempt logged:
/// delivered, due again on the schedule, or failed.
struct WebhookAttempt: Sendable {
    let health: WebhookEndpointHealth
    let secrets: WebhookEndpointSecrets
    let urlGuard: WebhookURLGuard
    let sender: WebhookSender
    let gate: WebhookEndpointGate
    let bodies = WebhookBodies()

    private var configuration: WebhookConfiguration { health.configuration }
    private var storage: any BillingStorage { health.storage }
    private var logger: Logger { health.logger }
    private var metrics: WebhookMetrics { health.metrics }
    private var wallClock: WallClock { health.wallClock }

    func run(_ message: WebhookMessageRecord) async {
        var sending = false
        defer { gate.finished(message.endpointId, wasSending: sending) }
        do {
            // A deleted endpoint took its messages with it: nothing is left to settle.
            guard let endpoint = try await storage.webhookEndpoint(id: message.endpointId) else { return }
            guard endpoint.isActive else {
                try await settle(message, endpoint: endpoint, .failed, next: nil, result: nil, error: "Not sent: the endpoint is disabled (\(endpoint.disabledReason ?? "no reason given"))")
                return
            }
            guard let body = try await bodies.body(of: message.eventId, from: storage) else {
                try await settle(message, endpoint: endpoint, .failed, next: nil, result: nil, error: "Not sent: event \(message.eventId) is no longer stored")
                return
            }
            try await gate.beginSending(endpoint.id, rateLimit: endpoint.rateLimitPerSecond)
            sending = true
            let result = try await sendInSlot(body, of: message, to: endpoint)
            try await conclude(message, endpoint: endpoint, result: result)
        } catch is CancellationError {
            // Shutdown cut it short: the claim lapses and the message is due again.
        } catch {
            logger.error(
                "A webhook attempt could not be completed; its claim lapses and it is tried again", error: error,
                metadata: ["billing.webhook.message": "\(message.id)", "billing.webhook.endpoint": "\(message.endpointId)"]
            )
        }
    }

    /// Sends, then frees the request slot of the total before the message is settled.
    private func sendInSlot(_ body: [UInt8], of message: WebhookMessageRecord, to endpoint: WebhookEndpointRecord) async throws -> WebhookSendResult {
        defer { gate.endSending() }
        return try await send(body, of: message, to: endpoint)
    }

    /// Checks the URL again and sends; a refused URL is a failed attempt with nothing sent.
    private func send(_ body: [UInt8], of message: WebhookMessageRecord, to endpoint: WebhookEndpointRecord) async throws -> WebhookSendResult {
        let target: CheckedWebhookTarget
        do {
            target = try await urlGuard.check(endpoint.url)
        } catch let error as BillingError {
            return WebhookSendResult(error: "Not sent: \(error.message)", duration: .zero)
        }
        let now = wallClock.now()
        let timestamp = Int64(now.timeIntervalSince1970.rounded(.down))
        let signature = WebhookSignature.header(id: message.id, timestamp: timestamp, body: body, secrets: try secrets.signing(endpoint, at: now))
        return await sender.send(
            body,
            headers: [
                (WebhookSignature.idHeader, message.id), (WebhookSignature.timestampHeader, "\(timestamp)"), (WebhookSignature.signatureHeader, signature),
            ],
            to: target
        )
    }

    /// What the answer means for the message and the endpoint.
    private func conclude(_ message: WebhookMessageRecord, endpoint: WebhookEndpointRecord, result: WebhookSendResult) async throws {
        let now = wallClock.now()
        switch WebhookResponseOutcome(status: result.statusCode, retryAfter: result.retryAfter, now: now) {
        case .delivered:
            try await settle(message, endpoint: endpoint, .succeeded, next: nil, result: result, error: nil)
            metrics.attempted("delivered", duration: result.duration)
            try await health.succeeded(endpoint)
        case .gone:
            try await settle(message, endpoint: endpoint, .failed, next: nil, result: result, error: "The receiver answered 410 Gone")
            metrics.attempted("failed", duration: result.duration)
            try await health.disable(endpoint.id, cause: "gone", reason: "The receiver answered 410 Gone to message \(message.id)")
        case .failed(let slowDown, let retryAfter):
            if slowDown { gate.pause(endpoint.id, for: retryAfter.map { min($0, configuration.schedule.maxRetryAfter) } ?? configuration.slowDownPause) }
            var generator = SystemRandomNumberGenerator()
            let delay = configuration.schedule.delay(afterAttempt: message.attempts, retryAfter: retryAfter, using: &generator)
            let error = result.error ?? "The receiver answered \(result.statusCode.map(String.init) ?? "nothing")"
            try await settle(message, endpoint: endpoint, delay == nil ? .failed : .pending, next: delay.map { now.adding($0) }, result: result, error: error)
            metrics.attempted(delay == nil ? "failed" : "retrying", duration: result.duration)
            try await health.failed(endpoint, exhausted: delay == nil, at: now)
        }
    }

    private func settle(
        _ message: WebhookMessageRecord, endpoint: WebhookEndpointRecord, _ status: WebhookMessageStatus, next: Date?, result: WebhookSendResult?,
        error: String?
    ) async throws {
        let now = wallClock.now()
        let duration = result?.duration ?? .zero
        let attempt = WebhookAttemptRecord(
            messageId: message.id, endpointId: endpoint.id, attempt: message.attempts, startedAt: now.adding(.zero - duration),
            durationMicroseconds: duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000,
            statusCode: result?.statusCode, responseBody: result?.responseBody, error: error
        )
        guard let claimToken = message.claimToken,
            try await storage.settleWebhookMessage(id: message.id, claimToken: claimToken, status: status, nextAttemptAt: next, attempt: attempt, now: now)
        else {
            logger.warning(
                "A webhook attempt ended after its claim lapsed; its outcome was not recorded, and the message is tried again",
                metadata: ["billing.webhook.message": "\(message.id)"]
            )
            return
        }
        if status != .succeeded {
            logger.notice(
                status == .failed ? "Webhook message failed for good" : "Webhook attempt failed; retrying on the schedule",
                metadata: [
                    "billing.webhook.message": "\(message.id)", "billing.webhook.endpoint": "\(endpoint.id)", "billing.webhook.attempt": "\(message.attempts)",
                    "billing.webhook.status": "\(result?.statusCode.map(String.init) ?? "-")", "billing.error": "\(error ?? "")",
                ]
            )
        }
    }
}
