@testable import BillingCore
import BillingTesting
import Foundation
import Synchronization
import Testing

@Suite("Durable delivery: timeouts and failures inside a batch")
struct DeliveryTimeoutTests {
    @Test("A hanging handler times out, is retried, then dead-lettered; the events after it are delivered in order")
    func hangingHandlerTimesOut() async throws {
        let harness = DurableHarness()
        let log = DeliveryLog()
        let options = DurableSubscriptionOptions(retry: RetryPolicy(maxAttempts: 2, initialDelay: .seconds(1), jitter: 0), deliveryTimeout: .seconds(10))
        try await harness.dispatcher.subscribe("s", to: ["*"], options: options) { event in
            log.record(event)
            if event.sequence == 3 {
                // Hangs, ignoring nothing: only the timeout ends the wait for it.
                try await harness.clock.sleep(for: .seconds(100_000))
            }
        }
        /// Whether the next timer on the clock is a delivery timeout that started now.
        func timeoutArmed() -> Bool { harness.clock.nextDeadline == harness.clock.elapsed + .seconds(10) }
        try await harness.running {
            for _ in 0..<5 { try await harness.publish(.invoicePaid) }
            await harness.settle { log.count == 3 && timeoutArmed() }
            // Nothing else is delivered while event 3 is within its timeout.
            harness.clock.advance(by: .seconds(9))
            for _ in 0..<1000 { await Task.yield() }
            #expect(log.sequences == [1, 2, 3])
            harness.clock.advance(by: .seconds(1))
            // The backoff (1 s), then the second attempt, which hangs too until its timeout.
            await harness.advanceTimers(within: .seconds(1)) { log.count == 4 && timeoutArmed() }
            harness.clock.advance(by: .seconds(10))
            // 4 and 5 need no clock.
            await harness.settle { log.count == 6 }
            try await harness.settle { try await harness.store.subscription(named: "s")?.cursor == 5 }
        }
        #expect(log.sequences == [1, 2, 3, 3, 4, 5])
        let letter = try #require(try await harness.dispatcher.deadLetters(subscription: "s").first)
        #expect(letter.event.sequence == 3)
        #expect(letter.attempts == 2)
        #expect(letter.lastError == "BillingError(timeout): The delivery did not finish within 10.0 seconds and was abandoned")
        #expect(try harness.metrics.expectCounter("billing.delivery.failed", [("subscription", "s")]).totalValue == 2)
        #expect(try harness.metrics.expectCounter("billing.delivery.delivered", [("subscription", "s")]).totalValue == 4)
    }

    @Test("Each delivery gets the whole timeout, however long the batch has been running")
    func timeoutIsPerDelivery() async throws {
        let harness = DurableHarness()
        let log = DeliveryLog()
        let options = DurableSubscriptionOptions(retry: .none, deliveryTimeout: .seconds(10))
        try await harness.dispatcher.subscribe("s", to: ["*"], options: options) { event in
            log.record(event)
            // Every delivery takes 6 s of the clock: under the timeout, though the batch takes 18 s.
            try await harness.clock.sleep(for: .seconds(6))
        }
        try await harness.running {
            for _ in 0..<3 { try await harness.publish(.invoicePaid) }
            await harness.advanceTimers(within: .seconds(6)) { log.count == 3 }
            await harness.advanceTimers(within: .seconds(6)) { harness.clock.sleeperCount <= 1 }
            try await harness.settle { try await harness.store.subscription(named: "s")?.cursor == 3 }
        }
        #expect(log.sequences == [1, 2, 3])
        #expect(try await harness.dispatcher.deadLetters().isEmpty)
    }

    @Test("A failure in the middle of a batch is retried alone; the rest of the batch is delivered once, in order")
    func failureMidBatch() async throws {
        let harness = DurableHarness()
        let log = DeliveryLog()
        let failures = Locked(1)
        let options = DurableSubscriptionOptions(retry: RetryPolicy(maxAttempts: 3, initialDelay: .seconds(1), jitter: 0), deliveryTimeout: .seconds(600))
        try await harness.dispatcher.subscribe("s", to: ["*"], options: options) { event in
            log.record(event)
            if event.sequence == 4, failures.withLock({ count in defer { count -= 1 }; return count > 0 }) {
                throw HandlerFailure()
            }
        }
        try await harness.running {
            for _ in 0..<7 { try await harness.publish(.paymentCompleted) }
            await harness.advanceTimers(within: .seconds(5)) { log.count == 8 }
            try await harness.settle { try await harness.store.subscription(named: "s")?.cursor == 7 }
        }
        #expect(log.sequences == [1, 2, 3, 4, 4, 5, 6, 7])
        #expect(try harness.metrics.expectCounter("billing.delivery.retried", [("subscription", "s")]).totalValue == 1)
    }
}
