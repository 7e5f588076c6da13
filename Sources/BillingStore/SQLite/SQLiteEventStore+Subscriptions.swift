public import BillingCore
public import Foundation

/// The subscription state lives in the same database as the events: a dead letter
/// references its event, and a cursor can never point past a commit it has not seen.
extension SQLiteEventStore: SubscriptionStore {
    static let subscriptionColumns =
        "name, patterns, cursor, is_paused, lease_owner, lease_token, lease_expires_at, run_first, run_last, created_at, updated_at"

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

    public func setCursor(of name: String, to sequence: Int64, at date: Date) async throws {
        try await writer.withConnection { connection in
            try connection.transaction("set a subscription cursor") {
                // The token moves on, so whoever delivers the subscription is fenced out
                // and starts again from here.
                try Self.updateSubscription(
                    name, "UPDATE subscriptions SET cursor = ?, run_first = NULL, run_last = NULL, lease_token = lease_token + 1, updated_at = ? WHERE name = ?",
                    sequence, date, "set a subscription cursor", connection
                )
                let clear = try connection.statement("DELETE FROM delivery_attempts WHERE subscription = ?")
                defer { clear.reset() }
                clear.bind(1, name)
                _ = try clear.step("clear delivery attempts")
            }
        }
    }

    public func setPaused(_ paused: Bool, subscription name: String, at date: Date) async throws {
        try await writer.withConnection { connection in
            try Self.updateSubscription(
                name, "UPDATE subscriptions SET is_paused = ?, lease_token = lease_token + 1, updated_at = ? WHERE name = ?",
                paused ? 1 : 0, date, "pause or resume a subscription", connection
            )
        }
    }

    private static func updateSubscription(_ name: String, _ sql: String, _ value: Int64, _ date: Date, _ operation: String, _ connection: SQLiteConnection) throws {
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

    // MARK: Helpers

    static func subscription(named name: String, _ connection: SQLiteConnection) throws -> SubscriptionState? {
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
        let lease = statement.string(4).map { owner in
            SubscriptionLease(subscription: name, owner: owner, token: statement.int64(5), expiresAt: Timestamp.date(microseconds: statement.int64(6)))
        }
        var run: ClosedRange<Int64>?
        if let first = statement.optionalInt64(7), let last = statement.optionalInt64(8), first <= last {
            run = first...last
        }
        return SubscriptionState(
            name: name, patterns: patterns, cursor: statement.int64(2), isPaused: statement.int64(3) != 0, lease: lease,
            inFlightRun: run, createdAt: Timestamp.date(microseconds: statement.int64(9)), updatedAt: Timestamp.date(microseconds: statement.int64(10))
        )
    }

    private static func encode(_ patterns: [EventPattern]) -> String {
        CanonicalJSON.string(.array(patterns.map { .string($0.description) }))
    }
}
