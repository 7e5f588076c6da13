public import BillingCore
public import Foundation

/// Webhook messages and their delivery log, with the SQL backends' semantics.
extension InMemoryEventStore {
    public func enqueueWebhookMessages(_ messages: [WebhookMessageRecord]) async throws -> Int {
        try withState { state in
            var added = 0
            for message in messages where state.webhookMessages[message.id] == nil {
                state.webhookMessages[message.id] = Self.normalized(message)
                added += 1
            }
            return added
        }
    }

    public func claimWebhookMessages(now: Date, claimUntil: Date, limit: Int, excluding excludedEndpoints: Set<String>) async throws -> [WebhookMessageRecord] {
        guard limit >= 1 else { throw BillingError.invalid("limit", "limit must be at least 1") }
        let now = Timestamp.normalize(now)
        return try withState { state in
            let due = state.webhookMessages.values
                .filter { message in
                    message.status == .pending && !excludedEndpoints.contains(message.endpointId)
                        && (message.nextAttemptAt.map { $0 <= now } ?? true) && (message.claimedUntil.map { $0 <= now } ?? true)
                }
                .sorted { ($0.nextAttemptAt ?? .distantPast, $0.id) < ($1.nextAttemptAt ?? .distantPast, $1.id) }
                .prefix(limit)
            var generator = SystemRandomNumberGenerator()
            return due.map { message in
                var claimed = message
                claimed.attempts += 1
                claimed.claimToken = Int64.random(in: 1...Int64.max, using: &generator)
                claimed.claimedUntil = Timestamp.normalize(claimUntil)
                claimed.updatedAt = now
                state.webhookMessages[message.id] = claimed
                return claimed
            }
        }
    }

    public func settleWebhookMessage(
        id: String, claimToken: Int64, status: WebhookMessageStatus, nextAttemptAt: Date?, attempt: WebhookAttemptRecord, now: Date
    ) async throws -> Bool {
        try withState { state in
            guard var message = state.webhookMessages[id], message.claimToken == claimToken else { return false }
            message.status = status
            message.nextAttemptAt = status == .pending ? nextAttemptAt.map(Timestamp.normalize) : nil
            message.claimToken = nil
            message.claimedUntil = nil
            message.lastStatusCode = attempt.statusCode
            message.lastError = attempt.error
            message.updatedAt = Timestamp.normalize(now)
            state.webhookMessages[id] = message
            var logged = attempt
            logged.startedAt = Timestamp.normalize(attempt.startedAt)
            state.webhookAttempts[id, default: []].append(logged)
            return true
        }
    }

    public func webhookMessage(id: String) async throws -> WebhookMessageRecord? {
        try withState { $0.webhookMessages[id] }
    }

    public func webhookMessages(endpointId: String, status: WebhookMessageStatus?, after afterId: String?, limit: Int) async throws -> [WebhookMessageRecord] {
        guard limit >= 1 else { throw BillingError.invalid("limit", "limit must be at least 1") }
        return try withState { state in
            Array(
                state.webhookMessages.values
                    .filter { message in
                        message.endpointId == endpointId && (status.map { message.status == $0 } ?? true)
                            && (afterId.map { $0.utf8.lexicographicallyPrecedes(message.id.utf8) } ?? true)
                    }
                    .sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
                    .prefix(limit))
        }
    }

    public func webhookAttempts(messageId: String) async throws -> [WebhookAttemptRecord] {
        try withState { $0.webhookAttempts[messageId] ?? [] }
    }

    public func requeueWebhookMessage(id: String, now: Date) async throws -> Bool {
        try withState { state in
            guard var message = state.webhookMessages[id], message.claimToken == nil else { return false }
            message.status = .pending
            message.nextAttemptAt = Timestamp.normalize(now)
            message.updatedAt = Timestamp.normalize(now)
            state.webhookMessages[id] = message
            return true
        }
    }

    public func requeueFailedWebhookMessages(endpointId: String, since: Date, now: Date) async throws -> Int {
        let since = Timestamp.normalize(since)
        return try withState { state in
            var count = 0
            for (id, var message) in state.webhookMessages
            where message.endpointId == endpointId && message.status == .failed && message.createdAt >= since {
                message.status = .pending
                message.nextAttemptAt = Timestamp.normalize(now)
                message.updatedAt = Timestamp.normalize(now)
                state.webhookMessages[id] = message
                count += 1
            }
            return count
        }
    }

    public func webhookAttempts(endpointId: String, before position: WebhookAttemptRecord.Position?, limit: Int) async throws -> [WebhookAttemptRecord] {
        guard limit >= 1 else { throw BillingError.invalid("limit", "limit must be at least 1") }
        let position = position.map { WebhookAttemptRecord.Position(startedAt: Timestamp.normalize($0.startedAt), messageId: $0.messageId, attempt: $0.attempt) }
        return try withState { state in
            Array(
                state.webhookAttempts.values.joined()
                    .filter { attempt in attempt.endpointId == endpointId && position.map { attempt.position < $0 } ?? true }
                    .sorted { $0.position > $1.position }
                    .prefix(limit))
        }
    }

    public func pruneWebhookAttempts(before cutoff: Date) async throws -> Int {
        let cutoff = Timestamp.normalize(cutoff)
        return try withState { state in
            var removed = 0
            for (id, attempts) in state.webhookAttempts {
                let kept = attempts.filter { $0.startedAt >= cutoff }
                removed += attempts.count - kept.count
                state.webhookAttempts[id] = kept.isEmpty ? nil : kept
            }
            return removed
        }
    }

    private static func normalized(_ message: WebhookMessageRecord) -> WebhookMessageRecord {
        var message = message
        message.nextAttemptAt = message.nextAttemptAt.map(Timestamp.normalize)
        message.claimedUntil = message.claimedUntil.map(Timestamp.normalize)
        message.createdAt = Timestamp.normalize(message.createdAt)
        message.updatedAt = Timestamp.normalize(message.updatedAt)
        return message
    }
}
