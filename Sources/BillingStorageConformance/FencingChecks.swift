import BillingCore

/// Fencing: writes of a process whose lease token is no longer current are refused,
/// and an operator's `setCursor` or `setPaused` makes the current token old.
enum FencingChecks {
    static let suite = "SubscriptionStore"

    static let all: [StorageConformanceCheck] = [staleWritesRefused, setCursorFences, setPausedFences]

    private static let date = SubscriptionFixtures.date

    static let staleWritesRefused = StorageConformanceCheck(suite, "saveProgress, saveAttempt, removeAttempt and addDeadLetter with a stale token throw lease_lost and write nothing") { store in
        let sequences = try await SubscriptionFixtures.seed(store).compactMap(\.sequence)
        let stale = try await SubscriptionFixtures.lease(store, owner: "host-a")
        let now = SubscriptionFixtures.afterExpiry(of: stale)
        let current = try await SubscriptionFixtures.lease(store, owner: "host-b", now: now)
        try await store.saveProgress(cursor: 2, inFlightRun: 3...4, lease: current, at: now)
        let recorded = SubscriptionFixtures.attempt(sequences[4])
        try await store.saveAttempt(recorded, lease: current)
        let before = try await SubscriptionFixtures.state(store)

        try await expectThrows(code: .leaseLost, "saveProgress with a stale token") {
            try await store.saveProgress(cursor: 8, inFlightRun: nil, lease: stale, at: now.addingTimeInterval(1))
        }
        try await expectThrows(code: .leaseLost, "saveAttempt with a stale token") { try await store.saveAttempt(SubscriptionFixtures.attempt(sequences[5]), lease: stale) }
        try await expectThrows(code: .leaseLost, "removeAttempt with a stale token") { try await store.removeAttempt(subscription: "s", sequence: recorded.sequence, lease: stale) }
        try await expectThrows(code: .leaseLost, "addDeadLetter with a stale token") {
            try await store.addDeadLetter(recorded, lastError: "boom", firstFailedAt: date, lastFailedAt: now, lease: stale)
        }

        try expectEqual(try await SubscriptionFixtures.state(store), before, "the subscription after the refused writes")
        try expectEqual(await store.deliveryAttempts(subscription: "s"), [SubscriptionFixtures.normalized(recorded)], "the attempt records after the refused writes")
        try expectEqual(await store.deadLetterCount(subscription: "s"), 0, "the dead letters after the refused addDeadLetter")
        // The current holder's writes still go through.
        try await store.removeAttempt(subscription: "s", sequence: recorded.sequence, lease: current)
        try expectEqual(await store.deliveryAttempts(subscription: "s"), [], "the attempt records after the holder removed its record")
    }

    static let setCursorFences = StorageConformanceCheck(suite, "setCursor raises the token, fencing the holder out, and clears the in-flight run and the attempt records") { store in
        try await SubscriptionFixtures.seed(store)
        let lease = try await SubscriptionFixtures.lease(store, owner: "host-a")
        try await store.saveProgress(cursor: 2, inFlightRun: 3...5, lease: lease, at: date)
        try await store.saveAttempt(SubscriptionFixtures.attempt(4), lease: lease)
        try await store.saveAttempt(SubscriptionFixtures.attempt(9), lease: lease)

        try await store.setCursor(of: "s", to: 1, at: date.addingTimeInterval(1))
        let state = try await SubscriptionFixtures.state(store)
        try expectEqual(state.cursor, 1, "the cursor after setCursor")
        try expectEqual(state.inFlightRun, nil, "the in-flight run after setCursor")
        try expectEqual(await store.deliveryAttempts(subscription: "s"), [], "the attempt records after setCursor")
        try await expectThrows(code: .leaseLost, "saveProgress by the holder after setCursor") {
            try await store.saveProgress(cursor: 6, inFlightRun: nil, lease: lease, at: date.addingTimeInterval(2))
        }
        try await expectThrows(code: .leaseLost, "saveAttempt by the holder after setCursor") { try await store.saveAttempt(SubscriptionFixtures.attempt(4), lease: lease) }
        try expectEqual(await store.renewLease(lease, until: date.addingTimeInterval(90)), nil, "renewing the lease held before setCursor")
        try expectEqual(try await SubscriptionFixtures.state(store).cursor, 1, "the cursor after the fenced writes")

        // The holder starts again with a new lease.
        let again = try await SubscriptionFixtures.lease(store, owner: "host-a", now: date.addingTimeInterval(3))
        try expect(again.token > lease.token, "the token of the new lease to be above the fenced one (\(lease.token) → \(again.token))")
        try await store.saveProgress(cursor: 3, inFlightRun: nil, lease: again, at: date.addingTimeInterval(4))
        try expectEqual(try await SubscriptionFixtures.state(store).cursor, 3, "the cursor saved with the new lease")
    }

    static let setPausedFences = StorageConformanceCheck(suite, "setPaused raises the token, fencing the holder out") { store in
        try await SubscriptionFixtures.seed(store)
        for paused in [true, false] {
            let now = date.addingTimeInterval(paused ? 0 : 10)
            let lease = try await SubscriptionFixtures.lease(store, owner: "host-a", now: now)
            try await store.setPaused(paused, subscription: "s", at: now)
            try expectEqual(try await SubscriptionFixtures.state(store).isPaused, paused, "isPaused after setPaused(\(paused))")
            try await expectThrows(code: .leaseLost, "saveProgress by the holder after setPaused(\(paused))") {
                try await store.saveProgress(cursor: 4, inFlightRun: nil, lease: lease, at: now)
            }
            try expectEqual(await store.renewLease(lease, until: now.addingTimeInterval(90)), nil, "renewing the lease held before setPaused(\(paused))")
            try expectEqual(try await SubscriptionFixtures.state(store).cursor, 0, "the cursor after the fenced saveProgress")
        }
    }
}
