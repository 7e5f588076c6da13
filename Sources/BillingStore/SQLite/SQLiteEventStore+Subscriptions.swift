public import BillingCore
public import Foundation

/// The subscription state lives in the same database as the events: a dead letter
/// references its event, and a cursor can never point past a commit it has not seen.
extension SQLiteEventStore: SubscriptionStore {
    private static let subscriptionColumns = "name, patterns, cursor, is_paused, created_at, updated_at"
    private static let deadLetterColumns =
        "d.id, d.subscription, d.attempts, d.last_error, d.first_failed_at, d.last_failed_at, d.redelivery_requested, "
        + SQLiteEventRow.columns.split(separator: ",").map { "e." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")

    public func registerSubscription(name: String, patterns: [EventPattern], initialCursor: Int64, at date: Date) async throws -> SubscriptionState {
        let encodedPatterns = Self.encode(patterns)
        return try await writer.withConnection { connection in
            let upsert = try connection.statement(
                """
                INSERT INTO subscriptions (name, patterns, cursor, is_paused, created_at, updated_at) VALUES (?, ?, ?, 0, ?, ?)
                ON CONFLICT (name) DO UPDATE SET patterns = excluded.patterns, updated_at = excluded.updated_at
                WHERE subscriptions.patterns != excluded.patterns
                """
            )
            defer { upsert.reset() }
            upsert.bind(1, name)
            upsert.bind(2, encodedPatterns)
            upsert.bind(3, initialCursor)
            upsert.bind(4, Timestamp.microseconds(date))
            upsert.bind(5, Timestamp.microseconds(date))
            _ = try upsert.step("register a subscription")
            guard let state = try Self.subscription(named: name, connection) else {
                throw BillingError(.storageFailure, "A registered subscription could not be read back")
            }
            return state
        }
    }

    public func subscription(named name: String) async throws -> SubscriptionState? {
        try await readers.read(inline: true) { try Self.subscription(named: name, $0) }
    }

    public func subscriptions() async throws -> [SubscriptionState] {
        try await readers.read(inline: true) { connection in
            let statement = try connection.statement("SELECT \(Self.subscriptionColumns) FROM subscriptions ORDER BY name")
            defer { statement.reset() }
            var result: [SubscriptionState] = []
            while try statement.step("read subscriptions") {
                result.append(try Self.decodeSubscription(statement))
            }
            return result
        }
    }

    public func advanceCursor(of name: String, to sequence: Int64, at date: Date) async throws {
        try await writer.withConnection { connection in
            let update = try connection.statement("UPDATE subscriptions SET cursor = ?, updated_at = ? WHERE name = ? AND cursor < ?")
            defer { update.reset() }
            update.bind(1, sequence)
            update.bind(2, Timestamp.microseconds(date))
            update.bind(3, name)
            update.bind(4, sequence)
            _ = try update.step("advance a subscription cursor")
        }
    }

    public func setCursor(of name: String, to sequence: Int64, at date: Date) async throws {
        try await updateSubscription(name, "UPDATE subscriptions SET cursor = ?, updated_at = ? WHERE name = ?", sequence, date, "set a subscription cursor")
    }

    public func setPaused(_ paused: Bool, subscription name: String, at date: Date) async throws {
        try await updateSubscription(name, "UPDATE subscriptions SET is_paused = ?, updated_at = ? WHERE name = ?", paused ? 1 : 0, date, "pause or resume a subscription")
    }

    private func updateSubscription(_ name: String, _ sql: String, _ value: Int64, _ date: Date, _ operation: String) async throws {
        try await writer.withConnection { connection in
            let update = try connection.statement(sql)
            defer { update.reset() }
            update.bind(1, value)
            update.bind(2, Timestamp.microseconds(date))
            update.bind(3, name)
            _ = try update.step(operation)
            guard connection.changes == 1 else {
                throw BillingError(.notFound, "No durable subscription named '\(name)'", field: "name")
            }
        }
    }

    public func addDeadLetter(
        subscription: String, eventSequence: Int64, attempts: Int, lastError: String, firstFailedAt: Date, lastFailedAt: Date
    ) async throws -> DeadLetter {
        try await writer.withConnection { connection in
            let insert = try connection.statement(
                """
                INSERT INTO dead_letters (subscription, event_sequence, attempts, last_error, first_failed_at, last_failed_at, redelivery_requested)
                VALUES (?, ?, ?, ?, ?, ?, 0)
                ON CONFLICT (subscription, event_sequence) DO UPDATE SET
                    attempts = attempts + excluded.attempts, last_error = excluded.last_error,
                    last_failed_at = excluded.last_failed_at, redelivery_requested = 0
                RETURNING id
                """
            )
            defer { insert.reset() }
            insert.bind(1, subscription)
            insert.bind(2, eventSequence)
            insert.bind(3, Int64(attempts))
            insert.bind(4, lastError)
            insert.bind(5, Timestamp.microseconds(firstFailedAt))
            insert.bind(6, Timestamp.microseconds(lastFailedAt))
            guard try insert.step("record a dead letter") else {
                throw BillingError(.storageFailure, "Recording a dead letter returned no id")
            }
            let id = insert.int64(0)
            insert.reset()
            guard let letter = try Self.deadLetters("d.id = ?", [id], limit: 1, connection).first else {
                throw BillingError(.storageFailure, "A recorded dead letter could not be read back")
            }
            return letter
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

    public func recordFailedRedelivery(id: Int64, additionalAttempts: Int, lastError: String, at date: Date) async throws {
        try await writer.withConnection { connection in
            let update = try connection.statement(
                "UPDATE dead_letters SET attempts = attempts + ?, last_error = ?, last_failed_at = ?, redelivery_requested = 0 WHERE id = ?"
            )
            defer { update.reset() }
            update.bind(1, Int64(additionalAttempts))
            update.bind(2, lastError)
            update.bind(3, Timestamp.microseconds(date))
            update.bind(4, id)
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
                    for id in ids {
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

    private static func subscription(named name: String, _ connection: SQLiteConnection) throws -> SubscriptionState? {
        let statement = try connection.statement("SELECT \(subscriptionColumns) FROM subscriptions WHERE name = ?")
        defer { statement.reset() }
        statement.bind(1, name)
        return try statement.step("read a subscription") ? decodeSubscription(statement) : nil
    }

    private static func decodeSubscription(_ statement: SQLiteStatement) throws -> SubscriptionState {
        guard let name = statement.string(0), let patternsText = statement.string(1),
            case .array(let values) = try CanonicalJSON.decode(patternsText)
        else {
            throw BillingError(.storageCorrupt, "A stored subscription is unreadable", field: "subscriptions")
        }
        let patterns = try values.map { value -> EventPattern in
            guard let text = value.stringValue else {
                throw BillingError(.storageCorrupt, "A stored subscription pattern is unreadable", field: "patterns")
            }
            return try EventPattern(text)
        }
        return SubscriptionState(
            name: name, patterns: patterns, cursor: statement.int64(2), isPaused: statement.int64(3) != 0,
            createdAt: Timestamp.date(microseconds: statement.int64(4)), updatedAt: Timestamp.date(microseconds: statement.int64(5))
        )
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

    private static func encode(_ patterns: [EventPattern]) -> String {
        CanonicalJSON.string(.array(patterns.map { .string($0.description) }))
    }
}
