import BillingCore

/// Creating, listing and steering subscriptions.
enum SubscriptionRegistrationChecks {
    static let suite = "SubscriptionStore"

    static let all: [StorageConformanceCheck] = [registerOnce, listing, cursorAndPause]

    private static let date = SubscriptionFixtures.date

    static let registerOnce = StorageConformanceCheck(suite, "registerSubscription creates a subscription once; later calls keep its cursor and replace its patterns") { store in
        try await SubscriptionFixtures.seed(store, subscriptions: [])
        let created = try await store.registerSubscription(name: "mailer", patterns: ["invoice.*"], initialCursor: 3, at: date)
        try expectEqual(created.name, "mailer", "the name")
        try expectEqual(created.cursor, 3, "the cursor of a new subscription")
        try expectEqual(created.patterns, ["invoice.*"], "the patterns")
        try expect(!created.isPaused, "a new subscription not to be paused")
        try expectEqual(created.lease, nil, "the lease of a new subscription")
        try expectEqual(created.inFlightRun, nil, "the in-flight run of a new subscription")
        try expectEqual(created.createdAt, date, "createdAt")
        try expectEqual(created.updatedAt, date, "updatedAt of a new subscription")
        try expectEqual(await store.subscription(named: "mailer"), created, "the subscription as read back")

        try await store.setCursor(of: "mailer", to: 7, at: date.addingTimeInterval(30))
        let resumed = try await store.registerSubscription(name: "mailer", patterns: ["invoice.*"], initialCursor: 0, at: date.addingTimeInterval(60))
        try expectEqual(resumed.cursor, 7, "the cursor of a subscription registered again")
        try expectEqual(resumed.createdAt, date, "createdAt of a subscription registered again")

        let widened = try await store.registerSubscription(name: "mailer", patterns: ["invoice.*", "payment.*"], initialCursor: 0, at: date.addingTimeInterval(120))
        try expectEqual(widened.patterns, ["invoice.*", "payment.*"], "the replaced patterns")
        try expectEqual(widened.cursor, 7, "the cursor after replacing the patterns")
        try expectEqual(widened.createdAt, date, "createdAt after replacing the patterns")
        try expectEqual(widened.updatedAt, date.addingTimeInterval(120), "updatedAt after replacing the patterns")
        try expectEqual(await store.subscription(named: "mailer"), widened, "the subscription as read back")
    }

    static let listing = StorageConformanceCheck(suite, "subscriptions() lists every subscription by name; an unknown name reads as nil") { store in
        try expectEqual(await store.subscriptions(), [], "the subscriptions of an empty store")
        for name in ["mailer", "audit", "ledger"] {
            _ = try await store.registerSubscription(name: name, patterns: ["*"], initialCursor: 0, at: date)
        }
        try expectEqual(await store.subscriptions().map(\.name), ["audit", "ledger", "mailer"], "the names listed")
        try expectEqual(await store.subscription(named: "nobody"), nil, "an unknown subscription")
    }

    static let cursorAndPause = StorageConformanceCheck(suite, "setCursor moves the cursor anywhere, setPaused pauses and resumes, and both throw not_found for an unknown name") { store in
        try await SubscriptionFixtures.seed(store)
        try await store.setCursor(of: "s", to: 8, at: date)
        try await store.setCursor(of: "s", to: 2, at: date.addingTimeInterval(10))
        let moved = try await SubscriptionFixtures.state(store)
        try expectEqual(moved.cursor, 2, "the cursor set back by setCursor")
        try expectEqual(moved.updatedAt, date.addingTimeInterval(10), "updatedAt after setCursor")
        try await store.setPaused(true, subscription: "s", at: date.addingTimeInterval(20))
        let paused = try await SubscriptionFixtures.state(store)
        try expect(paused.isPaused, "the subscription to be paused")
        try expectEqual(paused.updatedAt, date.addingTimeInterval(20), "updatedAt after setPaused")
        try await store.setPaused(false, subscription: "s", at: date.addingTimeInterval(30))
        try expect(try await !SubscriptionFixtures.state(store).isPaused, "the subscription to be resumed")
        try expectEqual(try await SubscriptionFixtures.state(store).cursor, 2, "the cursor after pausing and resuming")
        try await expectThrows(code: .notFound, "setCursor of an unknown subscription") { try await store.setCursor(of: "missing", to: 1, at: date) }
        try await expectThrows(code: .notFound, "setPaused of an unknown subscription") { try await store.setPaused(true, subscription: "missing", at: date) }
        try expectEqual(await store.subscription(named: "missing"), nil, "the unknown subscription after the failed calls")
    }
}
