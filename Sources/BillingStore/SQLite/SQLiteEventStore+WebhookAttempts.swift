public import BillingCore
public import Foundation

/// The webhook delivery log (`webhook_attempts`, migration 5; listed per endpoint through
/// migration 7's index): read per message or per endpoint, and pruned by age. Attempts are
/// written with their message's settlement (`settleWebhookMessage`).
extension SQLiteEventStore {
    private static let attemptColumns = "message_id, endpoint_id, attempt, started_at, duration_us, status_code, response_body, error"

    /// An endpoint's newest attempts; and those before a position (`?3, ?4, ?5`). Two
    /// statements, so each is a plain range on `webhook_attempts_endpoint`, sorted by it.
    package static let endpointLogSQL = """
        SELECT \(attemptColumns) FROM webhook_attempts WHERE endpoint_id = ?1
        ORDER BY started_at DESC, message_id DESC, attempt DESC LIMIT ?2
        """
    package static let endpointLogBeforeSQL = """
        SELECT \(attemptColumns) FROM webhook_attempts WHERE endpoint_id = ?1 AND (started_at, message_id, attempt) < (?3, ?4, ?5)
        ORDER BY started_at DESC, message_id DESC, attempt DESC LIMIT ?2
        """

    public func webhookAttempts(messageId: String) async throws -> [WebhookAttemptRecord] {
        try await readers.read(inline: true) { connection in
            let statement = try connection.statement("SELECT \(Self.attemptColumns) FROM webhook_attempts WHERE message_id = ? ORDER BY attempt")
            defer { statement.reset() }
            statement.bind(1, messageId)
            return try Self.decodeAttempts(statement)
        }
    }

    public func webhookAttempts(endpointId: String, before position: WebhookAttemptRecord.Position?, limit: Int) async throws -> [WebhookAttemptRecord] {
        guard limit >= 1 else { throw BillingError.invalid("limit", "limit must be at least 1") }
        return try await readers.read(inline: true) { connection in
            let statement = try connection.statement(position == nil ? Self.endpointLogSQL : Self.endpointLogBeforeSQL)
            defer { statement.reset() }
            statement.bind(1, endpointId)
            statement.bind(2, Int64(limit))
            if let position {
                statement.bind(3, Timestamp.microseconds(position.startedAt))
                statement.bind(4, position.messageId)
                statement.bind(5, Int64(position.attempt))
            }
            return try Self.decodeAttempts(statement)
        }
    }

    public func pruneWebhookAttempts(before cutoff: Date) async throws -> Int {
        try await writer.withConnection { connection in
            let delete = try connection.statement("DELETE FROM webhook_attempts WHERE started_at < ?")
            defer { delete.reset() }
            delete.bind(1, Timestamp.microseconds(cutoff))
            _ = try delete.step("prune webhook attempts")
            return Int(connection.changes)
        }
    }

    private static func decodeAttempts(_ statement: SQLiteStatement) throws -> [WebhookAttemptRecord] {
        var attempts: [WebhookAttemptRecord] = []
        while try statement.step("read webhook attempts") {
            attempts.append(
                WebhookAttemptRecord(
                    messageId: statement.string(0) ?? "", endpointId: statement.string(1) ?? "", attempt: Int(statement.int64(2)),
                    startedAt: Timestamp.date(microseconds: statement.int64(3)), durationMicroseconds: statement.int64(4),
                    statusCode: statement.isNull(5) ? nil : Int(statement.int64(5)), responseBody: statement.string(6), error: statement.string(7)
                ))
        }
        return attempts
    }
}
