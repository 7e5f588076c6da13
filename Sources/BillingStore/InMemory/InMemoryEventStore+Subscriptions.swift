public import BillingCore
public import Foundation

/// Subscription state, leases and attempt records, with the SQL backends' semantics.
extension InMemoryEventStore {
    public func registerSubscription(name: String, patterns: [EventPattern], initialCursor: Int64, at date: Date) async throws -> SubscriptionState {
        let date = Timestamp.normalize(date)  // the precision SQL backends keep
        return try withState { state in
            if var row = state.subscriptions[name] {
                guard row.state.patterns != patterns else { return row.state }
                row.state = row.state.with(patterns: patterns, updatedAt: date)
                state.subscriptions[name] = row
                return row.state
            }
            let created = SubscriptionState(
                name: name, patterns: patterns, cursor: initialCursor, isPaused: false, lease: nil, inFlightRun: nil,
                createdAt: date, updatedAt: date
            )
            state.subscriptions[name] = SubscriptionRow(state: created)
            return created
        }
    }

    public func subscription(named name: String) async throws -> SubscriptionState? {
        try withState { $0.subscriptions[name]?.state }
    }

    public func subscriptions() async throws -> [SubscriptionState] {
        try withState { $0.subscriptions.values.map(\.state).sorted { $0.name < $1.name } }
    }

    public func setCursor(of name: String, to sequence: Int64, at date: Date) async throws {
        let date = Timestamp.normalize(date)
        try update(name) { row, state in
            row.token += 1
            row.state = row.state.with(cursor: sequence, lease: row.state.lease.map { $0.with(token: row.token) }, inFlightRun: .some(nil), updatedAt: date)
            state.attempts[name] = nil
        }
    }

    public func setPaused(_ paused: Bool, subscription name: String, at date: Date) async throws {
        let date = Timestamp.normalize(date)
        try update(name) { row, _ in
            row.token += 1
            row.state = row.state.with(isPaused: paused, lease: row.state.lease.map { $0.with(token: row.token) }, updatedAt: date)
        }
    }

    // MARK: Leases

    public func acquireLease(subscription name: String, owner: String, until expiresAt: Date, now: Date) async throws -> SubscriptionLease? {
        let expiresAt = Timestamp.normalize(expiresAt)
        var acquired: SubscriptionLease?
        try update(name) { row, _ in
            if let held = row.state.lease, held.owner != owner, held.expiresAt > now { return }
            row.token += 1
            let lease = SubscriptionLease(subscription: name, owner: owner, token: row.token, expiresAt: expiresAt)
            row.state = row.state.with(lease: lease, updatedAt: row.state.updatedAt)
            acquired = lease
        }
        return acquired
    }

    public func renewLease(_ lease: SubscriptionLease, until expiresAt: Date) async throws -> SubscriptionLease? {
        try withState { state in
            guard var row = state.subscriptions[lease.subscription], row.token == lease.token,
                let held = row.state.lease, held.owner == lease.owner
            else { return nil }
            let renewed = held.with(expiresAt: Timestamp.normalize(expiresAt))
            row.state = row.state.with(lease: renewed, updatedAt: row.state.updatedAt)
            state.subscriptions[lease.subscription] = row
            return renewed
        }
    }

    public func releaseLease(_ lease: SubscriptionLease) async throws {
        try withState { state in
            guard var row = state.subscriptions[lease.subscription], row.token == lease.token,
                row.state.lease?.owner == lease.owner
            else { return }
            row.state = row.state.with(lease: .some(nil), updatedAt: row.state.updatedAt)
            state.subscriptions[lease.subscription] = row
        }
    }

    // MARK: Progress and attempts

    public func saveProgress(cursor: Int64, inFlightRun: ClosedRange<Int64>?, lease: SubscriptionLease, at date: Date) async throws {
        let date = Timestamp.normalize(date)
        try fenced(lease) { row, _ in
            row.state = row.state.with(cursor: max(row.state.cursor, cursor), inFlightRun: .some(inFlightRun), updatedAt: date)
        }
    }

    public func deliveryAttempts(subscription name: String) async throws -> [DeliveryAttempt] {
        try withState { state in
            guard let cursor = state.subscriptions[name]?.state.cursor else { return [] }
            // Records at or below the cursor are settled history: prune them.
            state.attempts[name] = state.attempts[name]?.filter { $0.key > cursor }
            return (state.attempts[name] ?? [:]).values.sorted { $0.sequence < $1.sequence }
        }
    }

    public func saveAttempt(_ attempt: DeliveryAttempt, lease: SubscriptionLease) async throws {
        let attempt = Self.normalized(attempt)
        try fenced(lease) { _, state in
            state.attempts[attempt.subscription, default: [:]][attempt.sequence] = attempt
        }
    }

    public func removeAttempt(subscription name: String, sequence: Int64, lease: SubscriptionLease) async throws {
        try fenced(lease) { _, state in
            state.attempts[name]?[sequence] = nil
        }
    }

    // MARK: Helpers

    /// Applies `change` to a subscription.
    /// - Throws: `not_found` if it does not exist.
    func update(_ name: String, _ change: (inout SubscriptionRow, inout State) throws -> Void) throws {
        try withState { state in
            guard var row = state.subscriptions[name] else {
                throw BillingError(.notFound, "No durable subscription named '\(name)'", field: "name")
            }
            try change(&row, &state)
            state.subscriptions[name] = row
        }
    }

    /// Applies `change` if `lease` is still the current one.
    /// - Throws: `subscription.lease_lost` otherwise.
    func fenced(_ lease: SubscriptionLease, _ change: (inout SubscriptionRow, inout State) throws -> Void) throws {
        try withState { state in
            guard var row = state.subscriptions[lease.subscription], row.token == lease.token else {
                throw BillingError(
                    .leaseLost,
                    "The lease of subscription '\(lease.subscription)' (token \(lease.token)) is no longer held by '\(lease.owner)'; nothing was written",
                    field: "lease"
                )
            }
            try change(&row, &state)
            state.subscriptions[lease.subscription] = row
        }
    }

    /// The record as a SQL backend would give it back: times at microsecond precision.
    static func normalized(_ attempt: DeliveryAttempt) -> DeliveryAttempt {
        var attempt = attempt
        attempt.nextAttemptAt = attempt.nextAttemptAt.map(Timestamp.normalize)
        attempt.firstFailedAt = attempt.firstFailedAt.map(Timestamp.normalize)
        return attempt
    }
}

extension SubscriptionState {
    /// The same state with some fields changed.
    func with(
        patterns: [EventPattern]? = nil, cursor: Int64? = nil, isPaused: Bool? = nil, lease: SubscriptionLease?? = nil,
        inFlightRun: ClosedRange<Int64>?? = nil, updatedAt: Date
    ) -> SubscriptionState {
        SubscriptionState(
            name: name, patterns: patterns ?? self.patterns, cursor: cursor ?? self.cursor, isPaused: isPaused ?? self.isPaused,
            lease: lease ?? self.lease, inFlightRun: inFlightRun ?? self.inFlightRun, createdAt: createdAt, updatedAt: updatedAt
        )
    }
}

extension SubscriptionLease {
    func with(token: Int64? = nil, expiresAt: Date? = nil) -> SubscriptionLease {
        SubscriptionLease(subscription: subscription, owner: owner, token: token ?? self.token, expiresAt: expiresAt ?? self.expiresAt)
    }
}
