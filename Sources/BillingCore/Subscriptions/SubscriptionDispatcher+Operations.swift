public import Foundation

/// What operators do with durable subscriptions: status, pause, resume, replay, and
/// dead letters. Each is one method, used the same way by hosts and the engine.
extension SubscriptionDispatcher {
    // MARK: Status

    /// The status of every subscription in the store.
    public func statuses() async throws -> [SubscriptionStatus] {
        var result: [SubscriptionStatus] = []
        for subscription in try await durableStore.subscriptions() {
            result.append(try await status(of: subscription))
        }
        return result
    }

    /// The status of one subscription.
    /// - Throws: `not_found` if no subscription has that name.
    public func status(of name: String) async throws -> SubscriptionStatus {
        try await status(of: try requireSubscription(name))
    }

    private func status(of subscription: SubscriptionState) async throws -> SubscriptionStatus {
        let store = durableStore
        let head = try await store.headSequence()
        let oldest = try await store.events(
            matching: EventFilters(typePatterns: subscription.patterns, afterSequence: subscription.cursor, limit: 1)
        ).first
        let now = wallClock.now()
        let loop = self.loop(subscription.name)
        let retrying = try await store.deliveryAttempts(subscription: subscription.name).count { !$0.isDeadLettered }
        let owner = subscription.lease.flatMap { $0.expiresAt > now ? $0.owner : nil }
        return SubscriptionStatus(
            name: subscription.name, patterns: subscription.patterns, cursor: subscription.cursor, headSequence: head,
            oldestUndeliveredAge: oldest.map { Duration.between($0.timestamp, now) }, isPaused: subscription.isPaused,
            isActive: loop?.isActive ?? false, leaseOwner: owner,
            deadLetterCount: try await store.deadLetterCount(subscription: subscription.name), retryingCount: retrying
        )
    }

    // MARK: Pause, resume, replay

    /// Pauses delivery to `name` (stored: it stays paused across restarts and for every
    /// process). Here the delivery in hand finishes and no new one starts; a process
    /// delivering it elsewhere stops at its next batch or lease renewal.
    public func pause(_ name: String) async throws {
        try await change(name) {
            try await self.durableStore.setPaused(true, subscription: name, at: self.wallClock.now())
        }
    }

    /// Resumes delivery to `name`.
    public func resume(_ name: String) async throws {
        try await change(name) {
            try await self.durableStore.setPaused(false, subscription: name, at: self.wallClock.now())
        }
    }

    /// Delivers again every matching event after `sequence` (0 replays everything).
    ///
    /// Returns once the new cursor is stored; delivery continues from it (after the
    /// batch in hand, when one is being delivered).
    /// - Throws: `invalid.argument` if `sequence` is negative or beyond the store's head
    ///   (the subscription would then skip every event until the head passed it).
    public func replay(_ name: String, afterSequence sequence: Int64) async throws {
        _ = try await requireSubscription(name)
        let head = try await durableStore.headSequence()
        guard (0...head).contains(sequence) else {
            throw BillingError.invalid("sequence", "A replay starts after a sequence from 0 to the store's head (\(head)), not \(sequence)")
        }
        try await change(name) {
            try await self.durableStore.setCursor(of: name, to: sequence, at: self.wallClock.now())
        }
    }

    /// Delivers again every matching event stamped at or after `date`.
    public func replay(_ name: String, from date: Date) async throws {
        let first = try await durableStore.events(matching: EventFilters(from: date, limit: 1)).first
        // Events before the first one at or after `date` are skipped; with none, nothing is replayed.
        let sequence: Int64
        if let first {
            sequence = (first.sequence ?? 1) - 1
        } else {
            sequence = try await durableStore.headSequence()
        }
        try await replay(name, afterSequence: sequence)
    }

    // MARK: Dead letters

    /// Dead letters in id order; of one subscription when `subscription` is given.
    public func deadLetters(subscription: String? = nil, after id: Int64? = nil, limit: Int = 100) async throws -> [DeadLetter] {
        guard limit >= 1 else { throw BillingError.invalid("limit", "limit must be at least 1") }
        return try await durableStore.deadLetters(subscription: subscription, onlyRedeliveryRequested: false, afterID: id, limit: limit)
    }

    /// One dead letter.
    public func deadLetter(id: Int64) async throws -> DeadLetter? {
        try await durableStore.deadLetter(id: id)
    }

    /// Queues one more attempt at a dead letter, made by the process delivering its
    /// subscription (soon, here, if this process does).
    ///
    /// It returns once the request is stored. The outcome shows in the dead letter:
    /// ``deadLetter(id:)`` returns `nil` once it was delivered (and removed); after a
    /// failed attempt it is still there with `isRedeliveryRequested` false, `attempts`
    /// one more, and `lastError` and `lastFailedAt` updated.
    /// - Throws: `not_found` if there is no such dead letter.
    public func redeliver(deadLetter id: Int64) async throws {
        guard let letter = try await durableStore.deadLetter(id: id) else {
            throw BillingError(.notFound, "No dead letter with id \(id)", field: "id")
        }
        _ = try await durableStore.requestRedelivery(.ids([id]))
        loop(letter.subscription)?.notifyRedelivery()
    }

    /// Queues one more attempt at every dead letter of `subscription`; returns how many.
    @discardableResult
    public func redeliverAll(subscription: String) async throws -> Int {
        let count = try await durableStore.requestRedelivery(.subscription(subscription))
        loop(subscription)?.notifyRedelivery()
        return count
    }

    /// Deletes dead letters without delivering them; returns how many.
    @discardableResult
    public func discard(_ selection: DeadLetterSelection) async throws -> Int {
        try await durableStore.removeDeadLetters(selection)
    }

    /// Applies an operator's change to the stored state of `name`. Delivery here is
    /// suspended first (its progress stored), so the change wins; the store raises the
    /// lease token, so a process delivering it elsewhere is fenced out and reloads.
    private func change(_ name: String, _ write: @Sendable () async throws -> Void) async throws {
        _ = try await requireSubscription(name)
        let loop = self.loop(name)
        await loop?.suspend()
        defer { loop?.resume() }
        try await write()
    }

    func requireSubscription(_ name: String) async throws -> SubscriptionState {
        guard let subscription = try await durableStore.subscription(named: name) else {
            throw BillingError(.notFound, "No durable subscription named '\(name)'", field: "name")
        }
        return subscription
    }
}
