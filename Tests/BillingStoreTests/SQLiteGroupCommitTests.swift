@testable import BillingCore
@testable import BillingStore
import BilingusTestSupport
import Dispatch
import Foundation
import Testing

/// Group commit: what shares one transaction. Deterministic: the writer is held busy
/// by a closure the test releases, so the queue's contents are known when it commits.
@Suite("SQLite group commit")
struct SQLiteGroupCommitTests {
    static let date = Date(timeIntervalSince1970: 1_780_000_000)

    /// Holds the writer inside a closure until `release()`; returns once it is held.
    final class WriterHold: Sendable {
        private let entered = DispatchSemaphore(value: 0)
        private let gate = DispatchSemaphore(value: 0)
        let task: Task<Void, any Error>

        init(_ store: SQLiteEventStore) async {
            let (entered, gate) = (self.entered, self.gate)
            task = Task { try await store.writer.withConnectionAlone { _ in
                entered.signal()
                gate.wait()
            } }
            await withCheckedContinuation { continuation in
                DispatchQueue.global().async {
                    entered.wait()
                    continuation.resume()
                }
            }
        }

        func release() async throws {
            gate.signal()
            try await task.value
        }
    }

    /// Yields until `count` requests wait for the writer.
    static func waitUntilQueued(_ count: Int, _ store: SQLiteEventStore) async {
        while store.writer.pendingCount < count { await Task.yield() }
    }

    static func subscribed(_ store: SQLiteEventStore) async throws -> SubscriptionLease {
        _ = try await store.registerSubscription(name: "s", patterns: ["*"], initialCursor: 0, at: date)
        return try #require(try await store.acquireLease(subscription: "s", owner: "me", until: date.addingTimeInterval(60), now: date))
    }

    @Test("A dead letter and a cursor write queued behind a commit are committed in the next group commit, with the appends")
    func queuedWritesJoinTheGroupCommit() async throws {
        let store = try SQLiteEventStore(path: TemporaryFiles.newPath(), configuration: .init(groupCommitLinger: .zero))
        let lease = try await Self.subscribed(store)
        let failed = try await store.append([BillingEvent(type: .invoicePaid, entityId: "i-1")])[0].event
        let before = store.writeStatistics

        let hold = await WriterHold(store)
        let first = Task { try await store.append([BillingEvent(type: .invoicePaid), BillingEvent(type: .invoicePaid)]) }
        await Self.waitUntilQueued(1, store)
        let attempt = DeliveryAttempt(subscription: "s", sequence: failed.sequence ?? 0, attempts: 1, firstFailedAt: Self.date, lastError: "boom", isDeadLettered: true)
        let letter = Task { try await store.addDeadLetter(attempt, lastError: "boom", firstFailedAt: Self.date, lastFailedAt: Self.date, lease: lease) }
        await Self.waitUntilQueued(2, store)
        let progress = Task { try await store.saveProgress(cursor: failed.sequence ?? 0, inFlightRun: nil, lease: lease, at: Self.date) }
        await Self.waitUntilQueued(3, store)
        let second = Task { try await store.append([BillingEvent(type: .invoicePaid)]) }
        await Self.waitUntilQueued(4, store)
        try await hold.release()

        let firstStored = try await first.value
        let dead = try await letter.value
        try await progress.value
        let secondStored = try await second.value
        let after = store.writeStatistics
        #expect(after.commits - before.commits == 1, "one transaction for all four requests")
        #expect(after.events - before.events == 3)
        #expect(after.joinedWrites - before.joinedWrites == 2)
        #expect(firstStored.map(\.event.sequence) == [2, 3])
        #expect(secondStored.map(\.event.sequence) == [4])
        #expect(dead.event.id == failed.id)
        #expect(try await store.deadLetterCount(subscription: "s") == 1)
        #expect(try await store.subscription(named: "s")?.cursor == failed.sequence)
    }

    @Test("A joined write that fails is rolled back alone: the appends in its group commit")
    func failedJoinedWriteIsIsolated() async throws {
        let store = try SQLiteEventStore(path: TemporaryFiles.newPath(), configuration: .init(groupCommitLinger: .zero))
        let lease = try await Self.subscribed(store)
        let failed = try await store.append([BillingEvent(type: .invoicePaid)])[0].event
        let stale = SubscriptionLease(subscription: "s", owner: "me", token: lease.token - 1, expiresAt: lease.expiresAt)
        let before = store.writeStatistics

        let hold = await WriterHold(store)
        let append = Task { try await store.append([BillingEvent(type: .invoicePaid), BillingEvent(type: .invoicePaid)]) }
        await Self.waitUntilQueued(1, store)
        let attempt = DeliveryAttempt(subscription: "s", sequence: failed.sequence ?? 0, attempts: 1, isDeadLettered: true)
        let letter = Task { try await store.addDeadLetter(attempt, lastError: "boom", firstFailedAt: Self.date, lastFailedAt: Self.date, lease: stale) }
        await Self.waitUntilQueued(2, store)
        try await hold.release()

        let stored = try await append.value
        let outcome = await letter.result
        #expect(stored.count == 2)
        if case .failure(let error) = outcome {
            #expect((error as? BillingError)?.code == .leaseLost)
        } else {
            Issue.record("a dead letter under a stale lease was recorded")
        }
        #expect(store.writeStatistics.commits - before.commits == 1)
        #expect(try await store.deadLetterCount(subscription: "s") == 0)
        #expect(try await store.deliveryAttempts(subscription: "s").isEmpty, "the attempt record of the refused dead letter was rolled back too")
        #expect(try await store.headSequence() == 3)
    }
}
