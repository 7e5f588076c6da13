public import BillingCore
import Foundation

/// Delivery attempt records: written before each attempt, so counts survive processes.
extension SQLiteEventStore {
    private static let attemptColumns = "subscription, sequence, attempts, next_attempt_at, first_failed_at, last_error, is_suspect, is_dead_lettered"

    public func deliveryAttempts(subscription name: String) async throws -> [DeliveryAttempt] {
        try await writer.withConnection { connection in
            // Records at or below the cursor are settled history: prune them first.
            let prune = try connection.statement(
                "DELETE FROM delivery_attempts WHERE subscription = ? AND sequence <= (SELECT cursor FROM subscriptions WHERE name = ?)"
            )
            defer { prune.reset() }
            prune.bind(1, name)
            prune.bind(2, name)
            _ = try prune.step("prune delivery attempts")
            let select = try connection.statement("SELECT \(Self.attemptColumns) FROM delivery_attempts WHERE subscription = ? ORDER BY sequence")
            defer { select.reset() }
            select.bind(1, name)
            var records: [DeliveryAttempt] = []
            while try select.step("read delivery attempts") {
                records.append(Self.decodeAttempt(select))
            }
            return records
        }
    }

    public func saveAttempt(_ attempt: DeliveryAttempt, lease: SubscriptionLease) async throws {
        try await writer.withConnection { connection in
            try connection.transaction("record a delivery attempt") {
                try Self.checkLease(lease, connection)
                try Self.upsert(attempt, connection)
            }
        }
    }

    public func removeAttempt(subscription name: String, sequence: Int64, lease: SubscriptionLease) async throws {
        try await writer.withConnection { connection in
            try connection.transaction("clear a delivery attempt") {
                try Self.checkLease(lease, connection)
                let delete = try connection.statement("DELETE FROM delivery_attempts WHERE subscription = ? AND sequence = ?")
                defer { delete.reset() }
                delete.bind(1, name)
                delete.bind(2, sequence)
                _ = try delete.step("clear a delivery attempt")
            }
        }
    }

    static func upsert(_ attempt: DeliveryAttempt, _ connection: SQLiteConnection) throws {
        let upsert = try connection.statement(
            """
            INSERT INTO delivery_attempts (\(attemptColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (subscription, sequence) DO UPDATE SET
                attempts = excluded.attempts, next_attempt_at = excluded.next_attempt_at, first_failed_at = excluded.first_failed_at,
                last_error = excluded.last_error, is_suspect = excluded.is_suspect, is_dead_lettered = excluded.is_dead_lettered
            """
        )
        defer { upsert.reset() }
        upsert.bind(1, attempt.subscription)
        upsert.bind(2, attempt.sequence)
        upsert.bind(3, Int64(attempt.attempts))
        upsert.bind(4, attempt.nextAttemptAt.map(Timestamp.microseconds))
        upsert.bind(5, attempt.firstFailedAt.map(Timestamp.microseconds))
        upsert.bind(6, attempt.lastError)
        upsert.bind(7, attempt.isSuspect ? 1 : 0)
        upsert.bind(8, attempt.isDeadLettered ? 1 : 0)
        _ = try upsert.step("record a delivery attempt")
    }

    private static func decodeAttempt(_ statement: SQLiteStatement) -> DeliveryAttempt {
        DeliveryAttempt(
            subscription: statement.string(0) ?? "", sequence: statement.int64(1), attempts: Int(statement.int64(2)),
            nextAttemptAt: statement.optionalInt64(3).map(Timestamp.date(microseconds:)),
            firstFailedAt: statement.optionalInt64(4).map(Timestamp.date(microseconds:)), lastError: statement.string(5),
            isSuspect: statement.int64(6) != 0, isDeadLettered: statement.int64(7) != 0
        )
    }
}
