public import BillingCore
public import Foundation

/// Webhook messages (`webhook_messages`, migration 5): enqueued, claimed, settled with their
/// attempt logged (the log's reads are in +WebhookAttempts), listed and requeued. A claim and a
/// settlement are each one write transaction.
extension SQLiteEventStore: WebhookMessageStore {
    private static let messageColumns = """
        id, endpoint_id, event_id, tenant_id, status, attempts, next_attempt_at, claim_token, claimed_until, last_status_code, last_error, \
        created_at, updated_at
        """

    public func enqueueWebhookMessages(_ messages: [WebhookMessageRecord]) async throws -> Int {
        guard !messages.isEmpty else { return 0 }
        return try await writer.withConnection { connection in
            try connection.transaction("enqueue webhook messages") {
                let insert = try connection.statement(
                    "INSERT INTO webhook_messages (\(Self.messageColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING")
                var added = 0
                for message in messages {
                    insert.reset()
                    insert.bind(1, message.id)
                    insert.bind(2, message.endpointId)
                    insert.bindBlob(3, message.eventId.bytes)
                    insert.bind(4, message.tenantId)
                    insert.bind(5, message.status.rawValue)
                    insert.bind(6, Int64(message.attempts))
                    insert.bind(7, message.nextAttemptAt.map(Timestamp.microseconds))
                    insert.bind(8, message.claimToken)
                    insert.bind(9, message.claimedUntil.map(Timestamp.microseconds))
                    insert.bind(10, message.lastStatusCode.map { Int64($0) })
                    insert.bind(11, message.lastError)
                    insert.bind(12, Timestamp.microseconds(message.createdAt))
                    insert.bind(13, Timestamp.microseconds(message.updatedAt))
                    _ = try insert.step("enqueue a webhook message")
                    added += connection.changes > 0 ? 1 : 0
                }
                insert.reset()
                return added
            }
        }
    }

    public func claimWebhookMessages(now: Date, claimUntil: Date, limit: Int, excluding excludedEndpoints: Set<String>) async throws -> [WebhookMessageRecord] {
        guard limit >= 1 else { throw BillingError.invalid("limit", "limit must be at least 1") }
        let excluded = CanonicalJSON.string(.array(excludedEndpoints.sorted().map { .string($0) }))
        return try await writer.withConnection { connection -> [WebhookMessageRecord] in
            try connection.transaction("claim webhook messages") {
                let select = try connection.statement(
                    """
                    SELECT id FROM webhook_messages
                    WHERE status = 'pending' AND coalesce(next_attempt_at, 0) <= ?1 AND coalesce(claimed_until, 0) <= ?1
                        AND endpoint_id NOT IN (SELECT value FROM json_each(?2))
                    ORDER BY next_attempt_at, id LIMIT ?3
                    """)
                defer { select.reset() }
                select.bind(1, Timestamp.microseconds(now))
                select.bind(2, excluded)
                select.bind(3, Int64(limit))
                var ids: [String] = []
                while try select.step("find due webhook messages") { ids.append(select.string(0) ?? "") }
                // The claimed row comes back from the update itself: no second read per message.
                let claim = try connection.statement(
                    """
                    UPDATE webhook_messages SET attempts = attempts + 1, claim_token = ?2, claimed_until = ?3, updated_at = ?4 WHERE id = ?1
                    RETURNING \(Self.messageColumns)
                    """)
                defer { claim.reset() }
                var generator = SystemRandomNumberGenerator()
                var claimed: [WebhookMessageRecord] = []
                for id in ids {
                    claim.reset()
                    claim.bind(1, id)
                    claim.bind(2, Int64.random(in: 1...Int64.max, using: &generator))
                    claim.bind(3, Timestamp.microseconds(claimUntil))
                    claim.bind(4, Timestamp.microseconds(now))
                    while try claim.step("claim a webhook message") { claimed.append(try Self.decodeMessage(claim)) }
                }
                return claimed
            }
        }
    }

    public func settleWebhookMessage(
        id: String, claimToken: Int64, status: WebhookMessageStatus, nextAttemptAt: Date?, attempt: WebhookAttemptRecord, now: Date
    ) async throws -> Bool {
        try await writer.withConnection { connection in
            try connection.transaction("settle a webhook message") {
                let update = try connection.statement(
                    """
                    UPDATE webhook_messages SET status = ?3, next_attempt_at = ?4, claim_token = NULL, claimed_until = NULL,
                        last_status_code = ?5, last_error = ?6, updated_at = ?7
                    WHERE id = ?1 AND claim_token = ?2
                    """)
                defer { update.reset() }
                update.bind(1, id)
                update.bind(2, claimToken)
                update.bind(3, status.rawValue)
                update.bind(4, status == .pending ? nextAttemptAt.map(Timestamp.microseconds) : nil)
                update.bind(5, attempt.statusCode.map { Int64($0) })
                update.bind(6, attempt.error)
                update.bind(7, Timestamp.microseconds(now))
                _ = try update.step("settle a webhook message")
                guard connection.changes > 0 else { return false }
                let log = try connection.statement(
                    """
                    INSERT OR REPLACE INTO webhook_attempts (message_id, attempt, endpoint_id, started_at, duration_us, status_code, response_body, error)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                defer { log.reset() }
                log.bind(1, id)
                log.bind(2, Int64(attempt.attempt))
                log.bind(3, attempt.endpointId)
                log.bind(4, Timestamp.microseconds(attempt.startedAt))
                log.bind(5, attempt.durationMicroseconds)
                log.bind(6, attempt.statusCode.map { Int64($0) })
                log.bind(7, attempt.responseBody)
                log.bind(8, attempt.error)
                _ = try log.step("log a webhook attempt")
                return true
            }
        }
    }

    public func webhookMessage(id: String) async throws -> WebhookMessageRecord? {
        try await readers.read(inline: true) { connection in
            let statement = try connection.statement("SELECT \(Self.messageColumns) FROM webhook_messages WHERE id = ?")
            defer { statement.reset() }
            statement.bind(1, id)
            return try statement.step("read a webhook message") ? try Self.decodeMessage(statement) : nil
        }
    }

    public func webhookMessages(endpointId: String, status: WebhookMessageStatus?, after afterId: String?, limit: Int) async throws -> [WebhookMessageRecord] {
        guard limit >= 1 else { throw BillingError.invalid("limit", "limit must be at least 1") }
        return try await readers.read(inline: true) { connection in
            let statement = try connection.statement(
                """
                SELECT \(Self.messageColumns) FROM webhook_messages
                WHERE endpoint_id = ?1 AND (?2 IS NULL OR status = ?2) AND (?3 IS NULL OR id > ?3) ORDER BY id LIMIT ?4
                """)
            defer { statement.reset() }
            statement.bind(1, endpointId)
            statement.bind(2, status?.rawValue)
            statement.bind(3, afterId)
            statement.bind(4, Int64(limit))
            var messages: [WebhookMessageRecord] = []
            while try statement.step("list webhook messages") { messages.append(try Self.decodeMessage(statement)) }
            return messages
        }
    }

    public func requeueWebhookMessage(id: String, now: Date) async throws -> Bool {
        try await requeue("UPDATE webhook_messages SET status = 'pending', next_attempt_at = ?2, updated_at = ?2 WHERE id = ?1 AND claim_token IS NULL", id, nil, now) > 0
    }

    public func requeueFailedWebhookMessages(endpointId: String, since: Date, now: Date) async throws -> Int {
        try await requeue(
            "UPDATE webhook_messages SET status = 'pending', next_attempt_at = ?2, updated_at = ?2 WHERE endpoint_id = ?1 AND status = 'failed' AND created_at >= ?3",
            endpointId, since, now)
    }

    private func requeue(_ sql: String, _ key: String, _ since: Date?, _ now: Date) async throws -> Int {
        try await writer.withConnection { connection in
            let update = try connection.statement(sql)
            defer { update.reset() }
            update.bind(1, key)
            update.bind(2, Timestamp.microseconds(now))
            if let since { update.bind(3, Timestamp.microseconds(since)) }
            _ = try update.step("requeue webhook messages")
            return Int(connection.changes)
        }
    }

    private static func decodeMessage(_ statement: SQLiteStatement) throws -> WebhookMessageRecord {
        guard let eventId = statement.withBytes(2, { EventID(bytes: $0) }) ?? nil,
            let status = statement.string(4).flatMap(WebhookMessageStatus.init(rawValue:))
        else {
            throw BillingError(.storageCorrupt, "A stored webhook message is not what Bilingus writes", field: "webhook_messages")
        }
        func date(_ column: Int32) -> Date? { statement.isNull(column) ? nil : Timestamp.date(microseconds: statement.int64(column)) }
        return WebhookMessageRecord(
            id: statement.string(0) ?? "", endpointId: statement.string(1) ?? "", eventId: eventId, tenantId: statement.string(3), status: status,
            attempts: Int(statement.int64(5)), nextAttemptAt: date(6), claimToken: statement.isNull(7) ? nil : statement.int64(7), claimedUntil: date(8),
            lastStatusCode: statement.isNull(9) ? nil : Int(statement.int64(9)), lastError: statement.string(10),
            createdAt: Timestamp.date(microseconds: statement.int64(11)), updatedAt: Timestamp.date(microseconds: statement.int64(12))
        )
    }
}
