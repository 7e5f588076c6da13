import BillingCore
import Foundation
import Logging

/// An endpoint's failure streak, and auto-disable: when every attempt has failed for
/// ``WebhookConfiguration/disableAfterFailingFor`` (or, if set, after
/// ``WebhookConfiguration/disableAfterExhaustedMessages`` exhausted messages), or at a 410, the
/// endpoint is disabled and `webhook.endpoint.disabled` is published. Writes happen only when
/// the streak starts, ends or grows by an exhausted message, not at every attempt.
struct WebhookEndpointHealth: Sendable {
    let configuration: WebhookConfiguration
    let storage: any BillingStorage
    let publisher: any EventPublisher
    let logger: Logger
    let metrics: WebhookMetrics
    let wallClock: WallClock

    func succeeded(_ endpoint: WebhookEndpointRecord) async throws {
        guard endpoint.failingSince != nil || endpoint.exhaustedMessages > 0 else { return }
        _ = try await update(endpoint.id) { record in
            guard record.failingSince != nil || record.exhaustedMessages > 0 else { return false }
            record.failingSince = nil
            record.exhaustedMessages = 0
            return true
        }
    }

    func failed(_ endpoint: WebhookEndpointRecord, exhausted: Bool, at now: Date) async throws {
        let since = endpoint.failingSince ?? now
        let exhaustedCount = endpoint.exhaustedMessages + (exhausted ? 1 : 0)
        if Duration.between(since, now) >= configuration.disableAfterFailingFor {
            try await disable(endpoint.id, cause: "failing", reason: "Every attempt failed since \(Timestamp.format(microseconds: Timestamp.microseconds(since)))")
            return
        }
        if let limit = configuration.disableAfterExhaustedMessages, exhaustedCount >= limit {
            try await disable(endpoint.id, cause: "exhausted", reason: "\(exhaustedCount) messages used up their retry schedule since the last success")
            return
        }
        guard endpoint.failingSince == nil || exhausted else { return }
        _ = try await update(endpoint.id) { record in
            if record.failingSince == nil { record.failingSince = now }
            if exhausted { record.exhaustedMessages += 1 }
            return true
        }
    }

    /// Disables the endpoint unless it is disabled already, announcing it first: the event's
    /// idempotency key is tied to the endpoint's version, so a crash between the two
    /// announces it once.
    func disable(_ endpointId: String, cause: String, reason: String) async throws {
        guard let current = try await storage.webhookEndpoint(id: endpointId), current.isActive else { return }
        try await publisher.publish(
            WebhookEndpointDisabled(endpointId: endpointId, url: current.url, cause: cause, reason: reason), tenantId: current.tenantId,
            idempotencyKey: "webhook.endpoint.disabled:\(endpointId):\(current.version)"
        )
        let disabled = try await update(endpointId) { record in
            guard record.isActive else { return false }
            record.isActive = false
            record.disabledReason = reason
            return true
        }
        if disabled {
            metrics.disabled(cause)
            logger.warning("Webhook endpoint disabled", metadata: ["billing.webhook.endpoint": "\(endpointId)", "billing.reason": "\(reason)"])
        }
    }

    private func update(_ id: String, _ change: (inout WebhookEndpointRecord) -> Bool) async throws -> Bool {
        try await storage.changeWebhookEndpoint(id: id, at: wallClock, change)?.written ?? false
    }
}
