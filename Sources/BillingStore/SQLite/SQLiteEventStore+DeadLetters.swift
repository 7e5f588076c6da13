public import BillingCore
public import Foundation

/// Dead letters: recorded once per subscription and event, listed, redelivered, discarded.
extension SQLiteEventStore {
    private static let deadLetterColumns =
        "d.id, d.subscription, d.attempts, d.last_error, d.first_failed_at, d.last_failed_at, d.redelivery_requested, "
        + SQLiteEventRow.columns.split(separator: ",").map { "e." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")

    public func addDeadLetter(
        _ attempt: DeliveryAttempt, lastError: String, firstFailedAt: Date, lastFailedAt: Date, lease: SubscriptionLease
    ) async throws -> DeadLetter {
        try await writer.withConnection { connection in
            try connection.transaction("record a dead letter") {
                try Self.checkLease(lease, connection)
                // A dead letter already on record (written just before a crash) stays as it is.
                let insert = try connection.statement(
                    """
                    INSERT INTO dead_letters (subscription, event_sequence, attempts, last_error, first_failed_at, last_failed_at, redelivery_requested)
                    VALUES (?, ?, ?, ?, ?, ?, 0)
                    ON CONFLICT (subscription, event_sequence) DO NOTHING
                    """
                )
                defer { insert.reset() }
                insert.bind(1, attempt.subscription)
                insert.bind(2, attempt.sequence)
                insert.bind(3, Int64(attempt.attempts))
                insert.bind(4, lastError)
                insert.bind(5, Timestamp.microseconds(firstFailedAt))
                insert.bind(6, Timestamp.microseconds(lastFailedAt))
                _ = try insert.step("record a dead letter")
                insert.reset()
                var settled = attempt
                settled.isDeadLettered = true
                settled.nextAttemptAt = nil
                try Self.upsert(settled, connection)
                guard let letter = try Self.deadLetters(
                    "d.subscription = ? AND d.event_sequence = ?", [attempt.subscription, attempt.sequence], limit: 1, connection
                ).first else {
                    throw BillingError(.notFound, "No event with sequence \(attempt.sequence) to dead-letter", field: "sequence")
                }
                return letter
            }
        }
    }

    public func deadLetters(subscription: String?, onlyRedeliveryRequested: Bool, afterID: Int64?, limit: Int) async throws -> [DeadLetter] {
        var conditions = ["d.id > ?"]
        var values: [any Sendable] = [afterID ?? 0]
        if let subscription {
            conditions.append("d.subscription = ?")
            values.append(subscription)
        }
        if onlyRedeliveryRequested {
            conditions.append("d.redelivery_requested = 1")
        }
        let whereClause = conditions.joined(separator: " AND ")
        let boundValues = values
        return try await readers.read(inline: true) { try Self.deadLetters(whereClause, boundValues, limit: max(0, limit), $0) }
    }

    public func deadLetter(id: Int64) async throws -> DeadLetter? {
        try await readers.read(inline: true) { try Self.deadLetters("d.id = ?", [id], limit: 1, $0).first }
    }

    public func requestRedelivery(_ selection: DeadLetterSelection) async throws -> Int {
        try await changeDeadLetters("UPDATE dead_letters SET redelivery_requested = 1", selection, "request redelivery")
    }

    public func beginRedelivery(id: Int64, at date: Date) async throws -> DeadLetter? {
        try await writer.withConnection { connection in
            let begin = try connection.statement(
                """
                UPDATE dead_letters SET redelivery_requested = 0, attempts = attempts + 1, last_failed_at = ?,
                    last_error = 'A redelivery started; the process ended before it finished'
                WHERE id = ? AND redelivery_requested = 1
                """
            )
            defer { begin.reset() }
            begin.bind(1, Timestamp.microseconds(date))
            begin.bind(2, id)
            _ = try begin.step("start a redelivery")
            guard connection.changes == 1 else { return nil }
            begin.reset()
            return try Self.deadLetters("d.id = ?", [id], limit: 1, connection).first
        }
    }

    public func recordFailedRedelivery(id: Int64, lastError: String, at date: Date) async throws {
        try await writer.withConnection { connection in
            let update = try connection.statement("UPDATE dead_letters SET last_error = ?, last_failed_at = ? WHERE id = ?")
            defer { update.reset() }
            update.bind(1, lastError)
            update.bind(2, Timestamp.microseconds(date))
            update.bind(3, id)
            _ = try update.step("record a failed redelivery")
        }
    }

    public func removeDeadLetters(_ selection: DeadLetterSelection) async throws -> Int {
        try await changeDeadLetters("DELETE FROM dead_letters", selection, "remove dead letters")
    }

    public func deadLetterCount(subscription: String) async throws -> Int {
        try await readers.read(inline: true) { connection in
            let statement = try connection.statement("SELECT count(*) FROM dead_letters WHERE subscription = ?")
            defer { statement.reset() }
            statement.bind(1, subscription)
            _ = try statement.step("count dead letters")
            return Int(statement.int64(0))
        }
    }

    // MARK: Helpers

    private func changeDeadLetters(_ sql: String, _ selection: DeadLetterSelection, _ operation: String) async throws -> Int {
        try await writer.withConnection { connection in
            var total = 0
            switch selection {
            case .subscription(let name):
                let statement = try connection.statement(sql + " WHERE subscription = ?")
                defer { statement.reset() }
                statement.bind(1, name)
                _ = try statement.step(operation)
                total = Int(connection.changes)
            case .ids(let ids):
                try connection.transaction(operation) {
                    let statement = try connection.statement(sql + " WHERE id = ?")
                    defer { statement.reset() }
                    // An id listed twice is still one dead letter, counted once.
                    for id in Set(ids) {
                        statement.reset()
                        statement.bind(1, id)
                        _ = try statement.step(operation)
                        total += Int(connection.changes)
                    }
                }
            }
            return total
        }
    }

    private static func deadLetters(_ whereClause: String, _ values: [any Sendable], limit: Int, _ connection: SQLiteConnection) throws -> [DeadLetter] {
        let statement = try connection.statement(
            "SELECT \(deadLetterColumns) FROM dead_letters d JOIN events e ON e.sequence = d.event_sequence WHERE \(whereClause) ORDER BY d.id LIMIT ?"
        )
        defer { statement.reset() }
        var index: Int32 = 1
        for value in values {
            switch value {
            case let integer as Int64: statement.bind(index, integer)
            case let text as String: statement.bind(index, text)
            default: preconditionFailure("unsupported binding")
            }
            index += 1
        }
        statement.bind(index, Int64(limit))
        var result: [DeadLetter] = []
        while try statement.step("read dead letters") {
            result.append(
                DeadLetter(
                    id: statement.int64(0), subscription: statement.string(1) ?? "",
                    event: try SQLiteEventRow.decode(statement, offset: 7), attempts: Int(statement.int64(2)),
                    lastError: statement.string(3) ?? "", firstFailedAt: Timestamp.date(microseconds: statement.int64(4)),
                    lastFailedAt: Timestamp.date(microseconds: statement.int64(5)), isRedeliveryRequested: statement.int64(6) != 0
                )
            )
        }
        return result
    }
}
