@testable import BillingCore
import BillingStore
import BillingTesting
import Foundation
import Testing

@Suite("Durable subscriptions: positions beyond the head are refused; middleware sees every attempt")
struct SubscriptionArgumentsTests {
    @Test("replay(_:afterSequence:) and StartPosition.afterSequence beyond the head are invalid.argument")
    func beyondTheHead() async throws {
        let harness = DurableHarness()
        for _ in 0..<3 { try await harness.publish(.invoicePaid) }
        try await harness.dispatcher.subscribe("s", to: ["*"]) { _ in }
        let replay = await #expect(throws: BillingError.self) { try await harness.dispatcher.replay("s", afterSequence: 4) }
        #expect(replay?.code == .invalidArgument)
        #expect(replay?.field == "sequence")
        await #expect(throws: BillingError.self) { try await harness.dispatcher.replay("s", afterSequence: -1) }
        try await harness.dispatcher.replay("s", afterSequence: 3)  // the head itself is fine

        let start = await #expect(throws: BillingError.self) {
            try await harness.dispatcher.subscribe("late", to: ["*"], options: .init(startPosition: .afterSequence(9))) { _ in }
        }
        #expect(start?.field == "startPosition")
        #expect(try await harness.store.subscription(named: "late") == nil, "nothing was registered")
    }

    @Test("A cursor beyond the head (a store replaced under it) shows in the status")
    func cursorAheadShows() async throws {
        let harness = DurableHarness()
        try await harness.dispatcher.subscribe("s", to: ["*"]) { _ in }
        try await harness.store.setCursor(of: "s", to: 50, at: Date())
        let status = try await harness.dispatcher.status(of: "s")
        #expect(status.isCursorAheadOfHead)
        #expect(status.lag == 0)
    }

    @Test("Host middleware runs around every attempt, after tracing, metrics and logging, and sees how each ended")
    func hostMiddleware() async throws {
        let global = AttemptLog()
        let own = AttemptLog()
        let harness = DurableHarness(middleware: [global])
        let options = DurableSubscriptionOptions(retry: RetryPolicy(maxAttempts: 2, initialDelay: .seconds(1), jitter: 0), deliveryTimeout: .seconds(60))
        try await harness.dispatcher.subscribe("s", to: ["*"], options: options, middleware: [own]) { event in
            if event.sequence == 2 { throw DeliveryError.giveUp(reason: "never") }
        }
        try await harness.dispatcher.subscribe("t", to: ["*"]) { _ in }
        try await harness.running {
            try await harness.publish(.invoicePaid)
            try await harness.publish(.invoicePaid)
            try await harness.settle { try await harness.dispatcher.deadLetters().count == 1 }
            try await harness.settle { try await harness.dispatcher.status(of: "t").cursor == 2 }
        }
        #expect(own.outcomes.withLock { $0 } == ["1:1:delivered", "2:1:dead-letter"])
        #expect(global.outcomes.withLock { $0 }.count == 4, "the dispatcher's middleware runs for every subscription")
    }
}
