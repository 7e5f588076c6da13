import BillingCore
import Foundation

/// Dead letters: recorded once per subscription and event, listed, paged and counted.
enum DeadLetterChecks {
    static let suite = "SubscriptionStore"

    static let all: [StorageConformanceCheck] = [recorded, recordedOnce, listedAndPaged, redeliveryRequests]

    private static let date = SubscriptionFixtures.date

    /// Dead-letters the stored event at `sequence` for `subscription`, holding a lease of its own.
    static func deadLetter(
        _ store: any BillingStorage, _ sequence: Int64, subscription: String = "s", attempts: Int = 3, lastError: String = "boom"
    ) async throws -> DeadLetter {
        let lease = try await SubscriptionFixtures.lease(store, subscription, owner: "host-a")
        return try await store.addDeadLetter(
            SubscriptionFixtures.attempt(sequence, attempts: attempts, subscription: subscription), lastError: lastError,
            firstFailedAt: date, lastFailedAt: date.addingTimeInterval(30), lease: lease
        )
    }

    static let recorded = StorageConformanceCheck(suite, "addDeadLetter records the event and its failure, and marks the attempt record dead-lettered") { store in
        let events = try await SubscriptionFixtures.seed(store)
        let lease = try await SubscriptionFixtures.lease(store, owner: "host-a")
        let attempt = SubscriptionFixtures.attempt(try unwrap(events[1].sequence, "the second event's sequence"), attempts: 5)
        try await store.saveAttempt(attempt, lease: lease)
        let lastFailedAt = date.addingTimeInterval(30.000_000_7)
        let letter = try await store.addDeadLetter(attempt, lastError: "boom: ünïcødé", firstFailedAt: date, lastFailedAt: lastFailedAt, lease: lease)
        try expectEqual(letter.subscription, "s", "the dead letter's subscription")
        try expectEqual(letter.event, events[1], "the dead letter's event (the second event stored)")
        try expectEqual(letter.attempts, 5, "the dead letter's attempts")
        try expectEqual(letter.lastError, "boom: ünïcødé", "the dead letter's last error")
        try expectEqual(letter.firstFailedAt, date, "the dead letter's firstFailedAt")
        try expectEqual(letter.lastFailedAt, Timestamp.normalize(lastFailedAt), "the dead letter's lastFailedAt, at microsecond precision")
        try expect(!letter.isRedeliveryRequested, "a new dead letter not to wait for redelivery")
        try expectEqual(await store.deadLetter(id: letter.id), letter, "the dead letter read by id")

        var settled = SubscriptionFixtures.normalized(attempt)
        settled.isDeadLettered = true
        settled.nextAttemptAt = nil
        try expectEqual(await store.deliveryAttempts(subscription: "s"), [settled], "the attempt record after addDeadLetter")

        // A record that was never saved is written dead-lettered as well.
        let unsaved = SubscriptionFixtures.attempt(try unwrap(events[3].sequence, "the fourth event's sequence"))
        _ = try await store.addDeadLetter(unsaved, lastError: "boom", firstFailedAt: date, lastFailedAt: date, lease: lease)
        let records = try await store.deliveryAttempts(subscription: "s")
        try expectEqual(records.map(\.sequence), [attempt.sequence, unsaved.sequence], "the attempt records after dead-lettering an event without one")
        try expect(records.allSatisfy { $0.isDeadLettered && $0.nextAttemptAt == nil }, "every dead-lettered record to be marked, with no next attempt")
    }

    static let recordedOnce = StorageConformanceCheck(suite, "A second addDeadLetter for the same subscription and event returns the first dead letter unchanged") { store in
        let sequences = try await SubscriptionFixtures.seed(store, subscriptions: ["a", "b"]).compactMap(\.sequence)
        let first = try await deadLetter(store, sequences[1], subscription: "a", attempts: 5, lastError: "boom")
        let lease = try await SubscriptionFixtures.lease(store, "a", owner: "host-a", now: date.addingTimeInterval(1))
        let again = try await store.addDeadLetter(
            SubscriptionFixtures.attempt(sequences[1], attempts: 2, subscription: "a"), lastError: "boom again",
            firstFailedAt: date.addingTimeInterval(60), lastFailedAt: date.addingTimeInterval(90), lease: lease
        )
        try expectEqual(again, first, "the second addDeadLetter's result")
        try expectEqual(await store.deadLetter(id: first.id), first, "the dead letter after the second addDeadLetter")
        try expectEqual(await store.deadLetterCount(subscription: "a"), 1, "a's dead letters")
        let other = try await deadLetter(store, sequences[1], subscription: "b")
        try expect(other.id != first.id, "another subscription's dead letter for the same event to be a dead letter of its own")
        try expectEqual(await store.deadLetterCount(subscription: "b"), 1, "b's dead letters")
    }

    static let listedAndPaged = StorageConformanceCheck(suite, "Dead letters are listed in id order, by subscription, paged with afterID and limit, and counted") { store in
        let sequences = try await SubscriptionFixtures.seed(store, subscriptions: ["a", "b"]).compactMap(\.sequence)
        let a2 = try await deadLetter(store, sequences[1], subscription: "a")
        let a4 = try await deadLetter(store, sequences[3], subscription: "a")
        let b2 = try await deadLetter(store, sequences[1], subscription: "b")
        let a6 = try await deadLetter(store, sequences[5], subscription: "a")
        let ids = [a2.id, a4.id, b2.id, a6.id]
        try expect(ids == ids.sorted() && Set(ids).count == 4, "dead letter ids to be unique and increasing, got \(ids)")
        func list(_ subscription: String?, after: Int64? = nil, limit: Int = 10) async throws -> [Int64] {
            try await store.deadLetters(subscription: subscription, onlyRedeliveryRequested: false, afterID: after, limit: limit).map(\.id)
        }
        try expectEqual(await list(nil), ids, "every dead letter")
        try expectEqual(await store.deadLetters(subscription: nil, onlyRedeliveryRequested: false, afterID: nil, limit: 10), [a2, a4, b2, a6], "every dead letter, in full")
        try expectEqual(await list("a"), [a2.id, a4.id, a6.id], "a's dead letters")
        try expectEqual(await list(nil, after: a2.id, limit: 2), [a4.id, b2.id], "two dead letters after the first")
        try expectEqual(await list("a", after: a4.id, limit: 1), [a6.id], "a's next dead letter after its second")
        try expectEqual(await list(nil, after: a6.id), [], "the dead letters after the last")
        try expectEqual(await list("nobody"), [], "an unknown subscription's dead letters")
        try expectEqual(await store.deadLetterCount(subscription: "a"), 3, "a's count")
        try expectEqual(await store.deadLetterCount(subscription: "b"), 1, "b's count")
        try expectEqual(await store.deadLetterCount(subscription: "nobody"), 0, "an unknown subscription's count")
        try expectEqual(await store.deadLetter(id: a6.id + 1000), nil, "an unknown dead letter")
    }

    static let redeliveryRequests = StorageConformanceCheck(suite, "requestRedelivery marks the selected dead letters, each once, and onlyRedeliveryRequested lists only them") { store in
        let sequences = try await SubscriptionFixtures.seed(store, subscriptions: ["a", "b"]).compactMap(\.sequence)
        let a2 = try await deadLetter(store, sequences[1], subscription: "a")
        let a4 = try await deadLetter(store, sequences[3], subscription: "a")
        let b2 = try await deadLetter(store, sequences[1], subscription: "b")
        func requested(_ subscription: String?) async throws -> [Int64] {
            try await store.deadLetters(subscription: subscription, onlyRedeliveryRequested: true, afterID: nil, limit: 10).map(\.id)
        }
        try expectEqual(await requested(nil), [], "the dead letters waiting for redelivery before any request")
        try expectEqual(await store.requestRedelivery(.ids([a4.id, b2.id + 1000, a4.id])), 1, "how many of a4, an unknown id and a4 again were marked")
        try expectEqual(await requested(nil), [a4.id], "the dead letters waiting for redelivery")
        try expect(try await store.deadLetter(id: a4.id)?.isRedeliveryRequested == true, "a4 to wait for redelivery")
        try expectEqual(await store.requestRedelivery(.subscription("a")), 2, "how many of a's dead letters were marked")
        try expectEqual(await requested("a"), [a2.id, a4.id], "a's dead letters waiting for redelivery")
        try expectEqual(await requested("b"), [], "b's dead letters waiting for redelivery")
        try expectEqual(await store.requestRedelivery(.subscription("nobody")), 0, "how many of an unknown subscription's dead letters were marked")
    }
}
