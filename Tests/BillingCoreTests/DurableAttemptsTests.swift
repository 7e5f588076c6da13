@testable import BillingCore
import BillingStore
import BillingTesting
import Foundation
import Synchronization
import Testing

/// Records every attempt a subscription's deliveries start and how each ended.
final class AttemptLog: DeliveryMiddleware {
    let starts = Locked<[(sequence: Int64, attempt: Int)]>([])
    let outcomes = Locked<[String]>([])

    func handle(_ delivery: Delivery, next: (Delivery) async throws -> Void) async throws {
        starts.withLock { $0.append((delivery.event.sequence ?? 0, delivery.attempt)) }
        try await next(delivery)
    }

    func delivery(_ delivery: Delivery, endedWith outcome: DeliveryOutcome) {
        let text: String
        switch outcome {
        case .delivered: text = "delivered"
        case .failed(_, .retry): text = "retry"
        case .failed(_, .deadLetter): text = "dead-letter"
        case .postponed: text = "postponed"
        case .interrupted: text = "interrupted"
        }
        outcomes.withLock { $0.append("\(delivery.event.sequence ?? 0):\(delivery.attempt):\(text)") }
    }

    var attempts: [Int] { starts.withLock { $0.map(\.attempt) } }
}

@Suite("Durable delivery: attempts recorded before they start, across restarts")
struct DurableAttemptsTests {
    let policy = RetryPolicy(maxAttempts: 3, initialDelay: .seconds(10), multiplier: 1, jitter: 0)

    @Test("A retry scheduled before a stop goes on after the restart: the count continues and the backoff is waited out")
    func attemptsSurviveRestart() async throws {
        let store = InMemoryEventStore()
        let first = DurableHarness(store: store)
        let log = AttemptLog()
        try await first.dispatcher.subscribe("s", to: ["*"], options: .init(retry: policy, deliveryTimeout: .seconds(600)), middleware: [log]) { _ in
            throw HandlerFailure()
        }
        try await first.running {
            try await first.publish(.invoicePaid)
            await first.settle { log.attempts == [1] }
            try await first.settle { try await store.deliveryAttempts(subscription: "s").first?.nextAttemptAt != nil }
        }
        let record = try #require(try await store.deliveryAttempts(subscription: "s").first)
        #expect(record.attempts == 1)
        #expect(record.lastError == "handler failed on purpose")

        // A restart 4 s later: the retry is 6 s away still, and it is attempt 2.
        let clock = TestClock(start: first.clock.wallClock.now().addingTimeInterval(4))
        let second = DurableHarness(store: store, clock: clock)
        let again = AttemptLog()
        try await second.dispatcher.subscribe("s", to: ["*"], options: .init(retry: policy, deliveryTimeout: .seconds(600)), middleware: [again]) { _ in
            throw HandlerFailure()
        }
        try await second.running {
            await second.settle { clock.nextDeadline == .seconds(6) }
            #expect(again.attempts.isEmpty)
            await second.advanceTimers(within: .seconds(10)) { again.attempts == [2, 3] }
            try await second.settle { try await second.dispatcher.deadLetters().count == 1 }
        }
        let letter = try #require(try await second.dispatcher.deadLetters().first)
        #expect(letter.attempts == 3, "3 attempts in all, across both processes")
        #expect(again.outcomes.withLock { $0 } == ["1:2:retry", "1:3:dead-letter"])
        #expect(try await store.subscription(named: "s")?.cursor == 1)
    }

    @Test("An attempt during which the process died counts: the next owner charges it and retries, or dead-letters")
    func crashedAttemptIsCharged() async throws {
        let store = InMemoryEventStore()
        let setup = DurableHarness(store: store)
        try await setup.publish(.invoicePaid)
        try await setup.publish(.invoicePaid)
        _ = try await store.registerSubscription(name: "s", patterns: ["*"], initialCursor: 0, at: Date())
        // What a process that died during attempt 3 of event 1 leaves behind.
        let ghost = try #require(try await store.acquireLease(subscription: "s", owner: "ghost", until: Date.distantPast, now: Date.distantPast))
        try await store.saveAttempt(DeliveryAttempt(subscription: "s", sequence: 1, attempts: 3), lease: ghost)

        let harness = DurableHarness(store: store)
        let log = AttemptLog()
        try await harness.dispatcher.subscribe("s", to: ["*"], options: .init(retry: policy), middleware: [log]) { _ in }
        try await harness.running {
            try await harness.settle { try await harness.dispatcher.status(of: "s").cursor == 2 }
        }
        let letter = try #require(try await harness.dispatcher.deadLetters().first)
        #expect(letter.event.sequence == 1)
        #expect(letter.attempts == 3)
        #expect(letter.lastError.contains("The process ended during delivery attempt 3"))
        #expect(log.starts.withLock { $0.map(\.sequence) } == [2], "event 1 is not started a fourth time")
    }

    @Test("After a crash inside a run of first attempts, the run's events are delivered one at a time, each recorded first")
    func suspectsDeliveredAlone() async throws {
        let store = InMemoryEventStore()
        let setup = DurableHarness(store: store)
        for _ in 0..<4 { try await setup.publish(.invoicePaid) }
        _ = try await store.registerSubscription(name: "s", patterns: ["*"], initialCursor: 0, at: Date())
        let ghost = try #require(try await store.acquireLease(subscription: "s", owner: "ghost", until: Date.distantPast, now: Date.distantPast))
        try await store.saveProgress(cursor: 1, inFlightRun: 2...3, lease: ghost, at: Date())

        let harness = DurableHarness(store: store)
        let log = AttemptLog()
        let recorded = Locked<[Int64: Bool]>([:])
        try await harness.dispatcher.subscribe("s", to: ["*"], options: .init(retry: policy), middleware: [log]) { event in
            // Each suspect's attempt was recorded before it started.
            let record = try await store.deliveryAttempts(subscription: "s").first { $0.sequence == event.sequence }
            recorded.withLock { $0[event.sequence ?? 0] = record != nil }
        }
        try await harness.running {
            try await harness.settle { try await harness.dispatcher.status(of: "s").cursor == 4 }
        }
        #expect(log.starts.withLock { $0.map(\.sequence) } == [2, 3, 4])
        #expect(recorded.withLock { $0 } == [2: true, 3: true, 4: false], "suspects alone and recorded; event 4 in an ordinary run")
        #expect(try await store.deliveryAttempts(subscription: "s").isEmpty, "records of delivered events are removed")
        #expect(try await harness.harnessLogContains("suspect events are delivered one at a time"))
    }
}

extension DurableHarness {
    func harnessLogContains(_ text: String) async throws -> Bool {
        logs.entries.contains { $0.message.description.contains(text) }
    }
}
