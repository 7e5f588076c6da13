import BillingCore

/// `saveProgress`: the cursor and the run of first attempts in flight.
enum ProgressChecks {
    static let suite = "SubscriptionStore"

    static let all: [StorageConformanceCheck] = [cursorOnlyForward, inFlightRun]

    private static let date = SubscriptionFixtures.date

    static let cursorOnlyForward = StorageConformanceCheck(suite, "saveProgress moves the cursor forward, never back") { store in
        try await SubscriptionFixtures.seed(store)
        let lease = try await SubscriptionFixtures.lease(store, owner: "host-a")
        try await store.saveProgress(cursor: 5, inFlightRun: nil, lease: lease, at: date.addingTimeInterval(1))
        let saved = try await SubscriptionFixtures.state(store)
        try expectEqual(saved.cursor, 5, "the cursor saved")
        try expectEqual(saved.updatedAt, date.addingTimeInterval(1), "updatedAt after saveProgress")
        try await store.saveProgress(cursor: 2, inFlightRun: nil, lease: lease, at: date.addingTimeInterval(2))
        try expectEqual(try await SubscriptionFixtures.state(store).cursor, 5, "the cursor after saving an older position")
        try await store.saveProgress(cursor: 9, inFlightRun: nil, lease: lease, at: date.addingTimeInterval(3))
        try expectEqual(try await SubscriptionFixtures.state(store).cursor, 9, "the cursor after moving on")
        try expectEqual(await store.subscriptions().map(\.cursor), [9], "the cursor as subscriptions() lists it")
    }

    static let inFlightRun = StorageConformanceCheck(suite, "The in-flight run round-trips, also with an older cursor, and nil clears it") { store in
        try await SubscriptionFixtures.seed(store)
        let lease = try await SubscriptionFixtures.lease(store, owner: "host-a")
        try await store.saveProgress(cursor: 0, inFlightRun: 1...4, lease: lease, at: date)
        try expectEqual(try await SubscriptionFixtures.state(store).inFlightRun, 1...4, "the run saved")
        try await store.saveProgress(cursor: 4, inFlightRun: 5...5, lease: lease, at: date)
        try expectEqual(try await SubscriptionFixtures.state(store).inFlightRun, 5...5, "a run of one event")
        try await store.saveProgress(cursor: 3, inFlightRun: 6...7, lease: lease, at: date)
        let older = try await SubscriptionFixtures.state(store)
        try expectEqual(older.inFlightRun, 6...7, "the run saved with an older cursor")
        try expectEqual(older.cursor, 4, "the cursor saved with the older position")
        try await store.saveProgress(cursor: 7, inFlightRun: nil, lease: lease, at: date)
        let cleared = try await SubscriptionFixtures.state(store)
        try expectEqual(cleared.inFlightRun, nil, "the run after saving nil")
        try expectEqual(cleared.cursor, 7, "the cursor after the run")
    }
}
