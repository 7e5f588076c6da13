import BillingCore
import BillingStore
import Foundation
import Testing

@Suite("SubscriptionStore conformance")
struct SubscriptionStoreConformanceTests {
    let date = Date(timeIntervalSince1970: 1_790_000_000.25)

    private func seeded(_ kind: StoreKind, events count: Int = 10) async throws -> any DurableStore {
        let store = try await kind.make()
        _ = try await store.append((0..<count).map { BillingEvent(type: .invoicePaid, payload: ["n": .int(Int64($0))], entityId: "inv-\($0)") })
        return store
    }

    @Test("A subscription is created once, resumed with its cursor, and keeps new patterns", arguments: StoreKind.all)
    func registerAndResume(kind: StoreKind) async throws {
        let store = try await seeded(kind)
        let created = try await store.registerSubscription(name: "mailer", patterns: ["invoice.*"], initialCursor: 3, at: date)
        #expect(created.cursor == 3)
        #expect(created.patterns == ["invoice.*"])
        #expect(!created.isPaused)
        #expect(created.createdAt == date)

        try await store.advanceCursor(of: "mailer", to: 7, at: date)
        let resumed = try await store.registerSubscription(name: "mailer", patterns: ["invoice.*"], initialCursor: 0, at: date.addingTimeInterval(60))
        #expect(resumed.cursor == 7, "an existing subscription keeps its cursor")
        #expect(resumed.createdAt == date)

        let widened = try await store.registerSubscription(name: "mailer", patterns: ["invoice.*", "payment.*"], initialCursor: 0, at: date.addingTimeInterval(120))
        #expect(widened.patterns == ["invoice.*", "payment.*"])
        #expect(widened.cursor == 7)
        #expect(try await store.subscription(named: "mailer") == widened)

        _ = try await store.registerSubscription(name: "audit", patterns: ["*"], initialCursor: 0, at: date)
        #expect(try await store.subscriptions().map(\.name) == ["audit", "mailer"])
        #expect(try await store.subscription(named: "nobody") == nil)
    }

    @Test("Cursors only advance; setCursor moves anywhere; pause persists; unknown names are not_found", arguments: StoreKind.all)
    func cursorsAndPause(kind: StoreKind) async throws {
        let store = try await seeded(kind)
        _ = try await store.registerSubscription(name: "s", patterns: ["*"], initialCursor: 0, at: date)
        try await store.advanceCursor(of: "s", to: 5, at: date)
        try await store.advanceCursor(of: "s", to: 2, at: date)
        #expect(try await store.subscription(named: "s")?.cursor == 5)
        try await store.setCursor(of: "s", to: 1, at: date)
        #expect(try await store.subscription(named: "s")?.cursor == 1)
        try await store.setPaused(true, subscription: "s", at: date)
        #expect(try await store.subscription(named: "s")?.isPaused == true)
        try await store.setPaused(false, subscription: "s", at: date)
        #expect(try await store.subscription(named: "s")?.isPaused == false)
        for operation in [
            { try await store.setCursor(of: "missing", to: 1, at: date) },
            { try await store.setPaused(true, subscription: "missing", at: date) },
        ] as [@Sendable () async throws -> Void] {
            do {
                try await operation()
                Issue.record("an unknown subscription was accepted")
            } catch let error as BillingError {
                #expect(error.code == .notFound)
            }
        }
    }

    @Test("Dead letters: recorded with their event, merged per event, listed, paged, redelivered and removed", arguments: StoreKind.all)
    func deadLetters(kind: StoreKind) async throws {
        let store = try await seeded(kind)
        _ = try await store.registerSubscription(name: "a", patterns: ["*"], initialCursor: 0, at: date)
        _ = try await store.registerSubscription(name: "b", patterns: ["*"], initialCursor: 0, at: date)
        let first = try await store.addDeadLetter(subscription: "a", eventSequence: 2, attempts: 5, lastError: "boom", firstFailedAt: date, lastFailedAt: date.addingTimeInterval(30))
        #expect(first.event.sequence == 2)
        #expect(first.event.payload["n"] == 1)
        #expect(first.attempts == 5)
        #expect(first.lastError == "boom")
        #expect(first.firstFailedAt == date)
        #expect(!first.isRedeliveryRequested)
        let second = try await store.addDeadLetter(subscription: "a", eventSequence: 4, attempts: 1, lastError: "gave up", firstFailedAt: date, lastFailedAt: date)
        let other = try await store.addDeadLetter(subscription: "b", eventSequence: 2, attempts: 3, lastError: "nope", firstFailedAt: date, lastFailedAt: date)
        #expect(Set([first.id, second.id, other.id]).count == 3)

        // The same subscription and event again: one dead letter, attempts added up.
        let merged = try await store.addDeadLetter(subscription: "a", eventSequence: 2, attempts: 2, lastError: "boom again", firstFailedAt: date, lastFailedAt: date.addingTimeInterval(90))
        #expect(merged.id == first.id)
        #expect(merged.attempts == 7)
        #expect(merged.lastError == "boom again")
        #expect(merged.firstFailedAt == date)

        #expect(try await store.deadLetters(subscription: nil, onlyRedeliveryRequested: false, afterID: nil, limit: 10).map(\.id) == [first.id, second.id, other.id])
        #expect(try await store.deadLetters(subscription: "a", onlyRedeliveryRequested: false, afterID: nil, limit: 10).map(\.id) == [first.id, second.id])
        #expect(try await store.deadLetters(subscription: nil, onlyRedeliveryRequested: false, afterID: first.id, limit: 1).map(\.id) == [second.id])
        #expect(try await store.deadLetterCount(subscription: "a") == 2)
        #expect(try await store.deadLetter(id: other.id)?.subscription == "b")

        #expect(try await store.requestRedelivery(.ids([second.id, 999])) == 1)
        #expect(try await store.deadLetters(subscription: "a", onlyRedeliveryRequested: true, afterID: nil, limit: 10).map(\.id) == [second.id])
        try await store.recordFailedRedelivery(id: second.id, additionalAttempts: 5, lastError: "still failing", at: date.addingTimeInterval(300))
        let failedAgain = try #require(try await store.deadLetter(id: second.id))
        #expect(failedAgain.attempts == 6)
        #expect(failedAgain.lastError == "still failing")
        #expect(!failedAgain.isRedeliveryRequested)

        #expect(try await store.requestRedelivery(.subscription("a")) == 2)
        #expect(try await store.deadLetters(subscription: "a", onlyRedeliveryRequested: true, afterID: nil, limit: 10).count == 2)
        #expect(try await store.removeDeadLetters(.ids([first.id])) == 1)
        #expect(try await store.removeDeadLetters(.subscription("a")) == 1)
        #expect(try await store.deadLetterCount(subscription: "a") == 0)
        #expect(try await store.deadLetterCount(subscription: "b") == 1)
        #expect(try await store.deadLetter(id: first.id) == nil)
    }
}
