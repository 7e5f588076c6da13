import BillingCore
import Foundation

/// An operator's redelivery of dead letters: begun once per request, recorded when
/// it fails, and dead letters removed when discarded or delivered.
enum RedeliveryChecks {
    static let suite = "SubscriptionStore"

    static let all: [StorageConformanceCheck] = [beginOnlyRequested, failedRedelivery, remove]

    private static let date = SubscriptionFixtures.date

    static let beginOnlyRequested = StorageConformanceCheck(suite, "beginRedelivery starts only a requested redelivery: it clears the request and adds one attempt; otherwise it returns nil") { store in
        let sequences = try await SubscriptionFixtures.seed(store).compactMap(\.sequence)
        let letter = try await DeadLetterChecks.deadLetter(store, sequences[2], attempts: 5)
        try expectEqual(await store.beginRedelivery(id: letter.id, at: date.addingTimeInterval(100)), nil, "beginRedelivery without a request")
        try expectEqual(await store.deadLetter(id: letter.id), letter, "the dead letter after beginRedelivery without a request")
        try expectEqual(await store.beginRedelivery(id: letter.id + 1000, at: date), nil, "beginRedelivery of an unknown dead letter")

        _ = try await store.requestRedelivery(.ids([letter.id]))
        let startedAt = date.addingTimeInterval(200.000_000_3)
        let begun = try unwrap(try await store.beginRedelivery(id: letter.id, at: startedAt), "the dead letter whose redelivery began")
        try expect(!begun.isRedeliveryRequested, "the request to be cleared when the redelivery begins")
        try expectEqual(begun.attempts, 6, "the attempts once the redelivery began")
        try expectEqual(begun.lastFailedAt, Timestamp.normalize(startedAt), "lastFailedAt once the redelivery began")
        try expectEqual(begun.firstFailedAt, letter.firstFailedAt, "firstFailedAt once the redelivery began")
        try expectEqual(begun.event, letter.event, "the event of the dead letter")
        try expectEqual(await store.deadLetter(id: letter.id), begun, "the dead letter read after beginRedelivery")
        try expectEqual(
            await store.deadLetters(subscription: "s", onlyRedeliveryRequested: true, afterID: nil, limit: 10), [],
            "the dead letters waiting for redelivery once it began"
        )
        try expectEqual(await store.beginRedelivery(id: letter.id, at: startedAt), nil, "a second beginRedelivery for one request")
        try expectEqual(try await store.deadLetter(id: letter.id)?.attempts, 6, "the attempts after the second beginRedelivery")
    }

    static let failedRedelivery = StorageConformanceCheck(suite, "recordFailedRedelivery updates the error and the time, and keeps the attempts") { store in
        let sequences = try await SubscriptionFixtures.seed(store).compactMap(\.sequence)
        let letter = try await DeadLetterChecks.deadLetter(store, sequences[2], attempts: 5)
        _ = try await store.requestRedelivery(.ids([letter.id]))
        let begun = try unwrap(try await store.beginRedelivery(id: letter.id, at: date.addingTimeInterval(200)), "the dead letter whose redelivery began")
        let failedAt = date.addingTimeInterval(201.5)
        try await store.recordFailedRedelivery(id: letter.id, lastError: "still failing", at: failedAt)
        let failed = try unwrap(try await store.deadLetter(id: letter.id), "the dead letter after the failed redelivery")
        try expectEqual(failed.lastError, "still failing", "the last error after the failed redelivery")
        try expectEqual(failed.lastFailedAt, failedAt, "lastFailedAt after the failed redelivery")
        try expectEqual(failed.attempts, begun.attempts, "the attempts after the failed redelivery (counted when it began)")
        try expectEqual(failed.firstFailedAt, letter.firstFailedAt, "firstFailedAt after the failed redelivery")
        try expect(!failed.isRedeliveryRequested, "a failed redelivery not to be requested again")
    }

    static let remove = StorageConformanceCheck(suite, "removeDeadLetters deletes by ids and by subscription and returns how many") { store in
        let sequences = try await SubscriptionFixtures.seed(store, subscriptions: ["a", "b"]).compactMap(\.sequence)
        let a1 = try await DeadLetterChecks.deadLetter(store, sequences[1], subscription: "a")
        let a2 = try await DeadLetterChecks.deadLetter(store, sequences[2], subscription: "a")
        let a3 = try await DeadLetterChecks.deadLetter(store, sequences[3], subscription: "a")
        let b1 = try await DeadLetterChecks.deadLetter(store, sequences[1], subscription: "b")
        try expectEqual(await store.removeDeadLetters(.ids([a1.id, b1.id + 1000, a1.id])), 1, "how many of a1, an unknown id and a1 again were removed")
        try expectEqual(await store.deadLetter(id: a1.id), nil, "a1 after its removal")
        try expectEqual(await store.deadLetterCount(subscription: "a"), 2, "a's count after removing a1")
        try expectEqual(await store.removeDeadLetters(.subscription("a")), 2, "how many of a's dead letters were removed")
        try expectEqual(await store.deadLetterCount(subscription: "a"), 0, "a's count after removing its dead letters")
        try expectEqual(await store.deadLetter(id: a2.id), nil, "a2 after removing a's dead letters")
        try expectEqual(await store.deadLetter(id: a3.id), nil, "a3 after removing a's dead letters")
        try expectEqual(await store.deadLetter(id: b1.id), b1, "b's dead letter after removing a's")
        try expectEqual(await store.removeDeadLetters(.subscription("nobody")), 0, "how many of an unknown subscription's dead letters were removed")
        try expectEqual(await store.removeDeadLetters(.ids([])), 0, "how many of no ids were removed")
    }
}
