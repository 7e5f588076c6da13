public import BillingCore
public import Foundation

/// The delivery log and redelivery.
extension WebhookService {
    /// An endpoint's messages by id, of one status or all, in pages.
    public func messages(endpointId: String, status: WebhookMessageStatus? = nil, after afterId: String? = nil, limit: Int = 100) async throws
        -> [WebhookMessageRecord]
    {
        try await storage.webhookMessages(endpointId: endpointId, status: status, after: afterId, limit: limit)
    }

    /// One message.
    /// - Throws: `not_found`.
    public func message(id: String) async throws -> WebhookMessageRecord {
        guard let message = try await storage.webhookMessage(id: id) else {
            throw BillingError(.notFound, "No webhook message has id \(id)", field: "id")
        }
        return message
    }

    /// A message's attempts, in order: time, status code, duration, the first 2 KiB of the
    /// response and the error.
    public func attempts(messageId: String) async throws -> [WebhookAttemptRecord] {
        try await storage.webhookAttempts(messageId: messageId)
    }

    /// An endpoint's delivery log across its messages, newest first, in pages: pass the last
    /// attempt's `position` as `before` for the next page.
    /// - Throws: `invalid.argument` for a `limit` below 1.
    public func attempts(endpointId: String, before position: WebhookAttemptRecord.Position? = nil, limit: Int = 100) async throws -> [WebhookAttemptRecord] {
        try await storage.webhookAttempts(endpointId: endpointId, before: position, limit: limit)
    }

    /// Sends a message again now (a failed or delivered one), with the same `webhook-id`.
    /// - Throws: `not_found`; `webhook.message_in_flight` while an attempt of it runs.
    public func redeliver(messageId: String) async throws {
        _ = try await message(id: messageId)
        guard try await storage.requeueWebhookMessage(id: messageId, now: wallClock.now()) else {
            throw BillingError(.webhookMessageInFlight, "Webhook message \(messageId) is being attempted right now; try again when it settles", field: "id")
        }
        dispatcher.wake.notify()
    }

    /// Sends again every failed message of an endpoint created at or after `since`; returns how many.
    @discardableResult
    public func redeliverFailed(endpointId: String, since: Date) async throws -> Int {
        _ = try await record(endpointId)
        let count = try await storage.requeueFailedWebhookMessages(endpointId: endpointId, since: since, now: wallClock.now())
        if count > 0 { dispatcher.wake.notify() }
        return count
    }

    /// Deletes logged attempts older than the configured retention now (delivery also does it
    /// hourly); returns how many.
    @discardableResult
    public func pruneAttempts() async throws -> Int {
        guard let retention = configuration.attemptRetention else { return 0 }
        return try await storage.pruneWebhookAttempts(before: wallClock.now().adding(.zero - retention))
    }
}
