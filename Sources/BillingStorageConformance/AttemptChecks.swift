import BillingCore
import Foundation

/// Attempt records: one per event and subscription, kept until the cursor passes it.
enum AttemptChecks {
    static let suite = "SubscriptionStore"

    static let all: [StorageConformanceCheck] = [insertReplaceRoundTrip, afterCursorInOrder, removeOne, perSubscription]

    private static let date = SubscriptionFixtures.date

    static let insertReplaceRoundTrip = StorageConformanceCheck(suite, "saveAttempt inserts and replaces a record; every field round-trips, dates at microsecond precision") { store in
        try await SubscriptionFixtures.seed(store)
        let lease = try await SubscriptionFixtures.lease(store, owner: "host-a")
        let first = DeliveryAttempt(
            subscription: "s", sequence: 3, attempts: 1, nextAttemptAt: date.addingTimeInterval(0.123_456_7),
            firstFailedAt: date.addingTimeInterval(-0.000_000_4), lastError: "timed out: ünïcødé \"quoted\"", isSuspect: true, isDeadLettered: false
        )
        try await store.saveAttempt(first, lease: lease)
        let expected = SubscriptionFixtures.normalized(first)
        try expectEqual(await store.deliveryAttempts(subscription: "s"), [expected], "the record saved")

        let replacement = DeliveryAttempt(
            subscription: "s", sequence: 3, attempts: 2, nextAttemptAt: nil, firstFailedAt: first.firstFailedAt, lastError: nil,
            isSuspect: false, isDeadLettered: true
        )
        try await store.saveAttempt(replacement, lease: lease)
        try expectEqual(await store.deliveryAttempts(subscription: "s"), [SubscriptionFixtures.normalized(replacement)], "the record after replacing it")
        let bare = DeliveryAttempt(subscription: "s", sequence: 4, attempts: 1)
        try await store.saveAttempt(bare, lease: lease)
        try expectEqual(await store.deliveryAttempts(subscription: "s").last, bare, "a record without dates or error")
    }

    static let afterCursorInOrder = StorageConformanceCheck(suite, "deliveryAttempts returns the records after the cursor in sequence order, dropping those at or below it") { store in
        try await SubscriptionFixtures.seed(store)
        let lease = try await SubscriptionFixtures.lease(store, owner: "host-a")
        for sequence: Int64 in [7, 2, 5, 3, 9] {
            try await store.saveAttempt(SubscriptionFixtures.attempt(sequence), lease: lease)
        }
        try expectEqual(await store.deliveryAttempts(subscription: "s").map(\.sequence), [2, 3, 5, 7, 9], "the records, by sequence")
        try await store.saveProgress(cursor: 3, inFlightRun: nil, lease: lease, at: date)
        try expectEqual(await store.deliveryAttempts(subscription: "s").map(\.sequence), [5, 7, 9], "the records after cursor 3")
        try await store.saveProgress(cursor: 7, inFlightRun: nil, lease: lease, at: date)
        try expectEqual(await store.deliveryAttempts(subscription: "s").map(\.sequence), [9], "the records after cursor 7")
        try expectEqual(await store.deliveryAttempts(subscription: "s").map(\.sequence), [9], "the records read a second time")
        try await store.saveProgress(cursor: 10, inFlightRun: nil, lease: lease, at: date)
        try expectEqual(await store.deliveryAttempts(subscription: "s"), [], "the records after the cursor passed them all")
    }

    static let removeOne = StorageConformanceCheck(suite, "removeAttempt deletes one event's record and leaves the others") { store in
        try await SubscriptionFixtures.seed(store)
        let lease = try await SubscriptionFixtures.lease(store, owner: "host-a")
        for sequence: Int64 in [2, 4, 6] {
            try await store.saveAttempt(SubscriptionFixtures.attempt(sequence), lease: lease)
        }
        try await store.removeAttempt(subscription: "s", sequence: 4, lease: lease)
        try expectEqual(await store.deliveryAttempts(subscription: "s").map(\.sequence), [2, 6], "the records after removing 4")
        try await store.removeAttempt(subscription: "s", sequence: 5, lease: lease)
        try expectEqual(await store.deliveryAttempts(subscription: "s").map(\.sequence), [2, 6], "the records after removing one never saved")
    }

    static let perSubscription = StorageConformanceCheck(suite, "Attempt records belong to one subscription") { store in
        try await SubscriptionFixtures.seed(store, subscriptions: ["a", "b"])
        let leaseA = try await SubscriptionFixtures.lease(store, "a", owner: "host-a")
        let leaseB = try await SubscriptionFixtures.lease(store, "b", owner: "host-a")
        try await store.saveAttempt(SubscriptionFixtures.attempt(3, attempts: 1, subscription: "a"), lease: leaseA)
        try await store.saveAttempt(SubscriptionFixtures.attempt(3, attempts: 4, subscription: "b"), lease: leaseB)
        try expectEqual(await store.deliveryAttempts(subscription: "a").map(\.attempts), [1], "the attempts of a's record")
        try expectEqual(await store.deliveryAttempts(subscription: "b").map(\.attempts), [4], "the attempts of b's record")
        try await store.removeAttempt(subscription: "a", sequence: 3, lease: leaseA)
        try expectEqual(await store.deliveryAttempts(subscription: "b").map(\.attempts), [4], "b's record after removing a's")
        try await store.saveAttempt(SubscriptionFixtures.attempt(5, subscription: "a"), lease: leaseA)
        try await store.setCursor(of: "b", to: 0, at: date)
        try expectEqual(await store.deliveryAttempts(subscription: "a").map(\.sequence), [5], "a's records after setCursor of b")
        try expectEqual(await store.deliveryAttempts(subscription: "b"), [], "b's records after setCursor of b")
    }
}
