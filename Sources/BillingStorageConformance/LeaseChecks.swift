import BillingCore

/// Leases: one owner at a time, handed over on expiry or release, with a token that
/// every acquisition raises.
enum LeaseChecks {
    static let suite = "SubscriptionStore"

    static let all: [StorageConformanceCheck] = [acquireFresh, otherOwnerWaits, takeOverAfterExpiry, sameOwnerReacquires, renew, release, missingSubscription]

    private static let date = SubscriptionFixtures.date

    static let acquireFresh = StorageConformanceCheck(suite, "acquireLease takes the lease of a fresh subscription") { store in
        try await SubscriptionFixtures.seed(store)
        let lease = try await SubscriptionFixtures.lease(store, owner: "host-a")
        try expectEqual(lease.subscription, "s", "the lease's subscription")
        try expectEqual(lease.owner, "host-a", "the lease's owner")
        try expectEqual(lease.expiresAt, date.addingTimeInterval(SubscriptionFixtures.leaseSeconds), "the lease's expiry")
        try expectEqual(try await SubscriptionFixtures.state(store).lease, lease, "the lease in the subscription's state")
    }

    static let otherOwnerWaits = StorageConformanceCheck(suite, "Another owner gets nil while the lease is unexpired") { store in
        try await SubscriptionFixtures.seed(store)
        let lease = try await SubscriptionFixtures.lease(store, owner: "host-a")
        for seconds in [0.0, 10, SubscriptionFixtures.leaseSeconds - 0.001] {
            let now = date.addingTimeInterval(seconds)
            let other = try await store.acquireLease(subscription: "s", owner: "host-b", until: now.addingTimeInterval(60), now: now)
            try expectEqual(other, nil, "the lease for host-b \(seconds) s into host-a's lease")
        }
        try expectEqual(try await SubscriptionFixtures.state(store).lease, lease, "the lease in the state after host-b's tries")
    }

    static let takeOverAfterExpiry = StorageConformanceCheck(suite, "Another owner takes an expired lease over with a higher token; the old holder can no longer renew it") { store in
        try await SubscriptionFixtures.seed(store)
        let first = try await SubscriptionFixtures.lease(store, owner: "host-a")
        let second = try await SubscriptionFixtures.lease(store, owner: "host-b", now: SubscriptionFixtures.afterExpiry(of: first))
        try expectEqual(second.owner, "host-b", "the owner after the takeover")
        try expect(second.token > first.token, "the token to rise on takeover (\(first.token) → \(second.token))")
        try expectEqual(try await SubscriptionFixtures.state(store).lease, second, "the lease in the state after the takeover")
        try expectEqual(await store.renewLease(first, until: date.addingTimeInterval(600)), nil, "renewing the lost lease")
        try await store.releaseLease(first)
        try expectEqual(try await SubscriptionFixtures.state(store).lease, second, "the lease after the old holder released its lost lease")
    }

    static let sameOwnerReacquires = StorageConformanceCheck(suite, "The same owner re-acquires its lease, and every acquisition raises the token") { store in
        try await SubscriptionFixtures.seed(store)
        var tokens: [Int64] = []
        let first = try await SubscriptionFixtures.lease(store, owner: "host-a")
        tokens.append(first.token)
        let again = try await SubscriptionFixtures.lease(store, owner: "host-a", now: date.addingTimeInterval(5))
        tokens.append(again.token)
        try expectEqual(again.expiresAt, date.addingTimeInterval(5 + SubscriptionFixtures.leaseSeconds), "the expiry of the re-acquired lease")
        let afterExpiry = try await SubscriptionFixtures.lease(store, owner: "host-a", now: SubscriptionFixtures.afterExpiry(of: again))
        tokens.append(afterExpiry.token)
        let other = try await SubscriptionFixtures.lease(store, owner: "host-b", now: SubscriptionFixtures.afterExpiry(of: afterExpiry))
        tokens.append(other.token)
        try expect(zip(tokens, tokens.dropFirst()).allSatisfy { $0 < $1 }, "tokens to rise strictly with every acquisition, got \(tokens)")
    }

    static let renew = StorageConformanceCheck(suite, "renewLease with the current token extends the lease; with an old token it returns nil") { store in
        try await SubscriptionFixtures.seed(store)
        let lease = try await SubscriptionFixtures.lease(store, owner: "host-a")
        let renewed = try unwrap(try await store.renewLease(lease, until: date.addingTimeInterval(90)), "the renewed lease")
        try expectEqual(renewed, SubscriptionLease(subscription: "s", owner: "host-a", token: lease.token, expiresAt: date.addingTimeInterval(90)), "the renewed lease")
        try expectEqual(try await SubscriptionFixtures.state(store).lease, renewed, "the lease in the state after renewal")
        // Still host-a's lease 60 s in: another owner waits.
        let now = date.addingTimeInterval(60)
        let other = try await store.acquireLease(subscription: "s", owner: "host-b", until: now.addingTimeInterval(30), now: now)
        try expectEqual(other, nil, "host-b's lease within the renewed lease")

        let newer = try await SubscriptionFixtures.lease(store, owner: "host-a", now: now)
        try expectEqual(await store.renewLease(lease, until: date.addingTimeInterval(600)), nil, "renewing with the token of an earlier acquisition")
        try expectEqual(try await SubscriptionFixtures.state(store).lease, newer, "the lease after the stale renewal")
    }

    static let release = StorageConformanceCheck(suite, "releaseLease lets another owner acquire at once; a released lease cannot be renewed") { store in
        try await SubscriptionFixtures.seed(store)
        let lease = try await SubscriptionFixtures.lease(store, owner: "host-a")
        try await store.releaseLease(lease)
        try expectEqual(try await SubscriptionFixtures.state(store).lease, nil, "the lease in the state after release")
        try expectEqual(await store.renewLease(lease, until: date.addingTimeInterval(90)), nil, "renewing a released lease")
        let other = try await SubscriptionFixtures.lease(store, owner: "host-b", now: date.addingTimeInterval(1))
        try expect(other.token > lease.token, "the token to rise when host-b acquires after the release (\(lease.token) → \(other.token))")
        try await store.releaseLease(lease)
        try expectEqual(try await SubscriptionFixtures.state(store).lease, other, "host-b's lease after host-a released its old lease again")
    }

    static let missingSubscription = StorageConformanceCheck(suite, "acquireLease on a missing subscription throws not_found") { store in
        try await SubscriptionFixtures.seed(store)
        try await expectThrows(code: .notFound, "acquireLease of a missing subscription") {
            try await store.acquireLease(subscription: "missing", owner: "host-a", until: date.addingTimeInterval(30), now: date)
        }
    }
}
