@testable import BillingCore
import BillingStore
import BillingTesting
import Foundation
import InMemoryLogging
import InMemoryTracing
import Logging
import MetricsTestKit
import ServiceLifecycle
import Synchronization
import Testing

@Suite("Durable subscriptions: dead letters, replay, pause and status")
struct DurableSubscriptionOperationsTests {
    @Test("Dead letters can be inspected, redelivered one by one or all, and discarded")
    func deadLetterOperations() async throws {
        let harness = DurableHarness()
        let broken = Locked(true)
        let log = DeliveryLog()
        let options = DurableSubscriptionOptions(retry: .none, deliveryTimeout: .seconds(600))
        try await harness.dispatcher.subscribe("s", to: ["*"], options: options) { event in
            log.record(event)
            if broken.withLock({ $0 }) { throw HandlerFailure() }
        }
        try await harness.running {
            for _ in 0..<4 { try await harness.publish(.paymentFailed) }
            try await harness.settle { try await harness.dispatcher.deadLetters().count == 4 }
            let letters = try await harness.dispatcher.deadLetters(subscription: "s")
            #expect(try await harness.dispatcher.deadLetter(id: letters[0].id)?.event.sequence == 1)
            #expect(try await harness.dispatcher.deadLetters(after: letters[1].id, limit: 1).map(\.id) == [letters[2].id])

            // Still broken: a redelivery fails again and the dead letter stays, with more attempts.
            // The attempt is counted before it runs; the failure then replaces the "started" note.
            try await harness.dispatcher.redeliver(deadLetter: letters[0].id)
            try await harness.settle {
                let letter = try await harness.dispatcher.deadLetter(id: letters[0].id)
                return letter?.attempts == 2 && letter?.lastError == "handler failed on purpose"
            }
            #expect(try await harness.dispatcher.deadLetter(id: letters[0].id)?.isRedeliveryRequested == false)

            broken.withLock { $0 = false }
            try await harness.dispatcher.redeliver(deadLetter: letters[0].id)
            try await harness.settle { try await harness.dispatcher.deadLetter(id: letters[0].id) == nil }
            #expect(try await harness.dispatcher.discard(.ids([letters[1].id])) == 1)
            #expect(try await harness.dispatcher.redeliverAll(subscription: "s") == 2)
            try await harness.settle { try await harness.dispatcher.deadLetters().isEmpty }
            await #expect(throws: BillingError.self) { try await harness.dispatcher.redeliver(deadLetter: 9999) }
        }
        // Sequence 2 was discarded, so it was never delivered again.
        #expect(log.sequences.filter { $0 == 2 }.count == 1)
        #expect(log.sequences.filter { $0 == 1 }.count == 3)
        #expect(Set(log.sequences.suffix(2)) == [3, 4])
    }

    @Test("Replay from a sequence or a time delivers again; pause holds delivery and status shows the lag")
    func replayPauseAndStatus() async throws {
        let harness = DurableHarness()
        let log = DeliveryLog()
        try await harness.dispatcher.subscribe("s", to: ["*"]) { log.record($0) }
        try await harness.running {
            for _ in 0..<3 {
                try await harness.publish(.userCreated)
                harness.clock.advance(by: .seconds(60))
            }
            await harness.settle { log.count == 3 }

            try await harness.dispatcher.replay("s", afterSequence: 1)
            await harness.settle { log.count == 5 }
            #expect(log.sequences == [1, 2, 3, 2, 3])

            try await harness.dispatcher.replay("s", from: harness.clock.wallClock.now().addingTimeInterval(-180))
            await harness.settle { log.count == 8 }
            #expect(log.sequences.suffix(3) == [1, 2, 3])

            try await harness.dispatcher.pause("s")
            let paused = try await harness.publish(.userUpdated)
            harness.clock.advance(by: .seconds(90))
            for _ in 0..<1000 { await Task.yield() }
            #expect(log.count == 8, "a paused subscription delivers nothing")
            let status = try await harness.dispatcher.status(of: "s")
            #expect(status.isPaused)
            #expect(status.isActive)
            #expect(status.cursor == 3)
            #expect(status.headSequence == 4)
            #expect(status.lag == 1)
            #expect(status.oldestUndeliveredAge == .seconds(90))
            #expect(try await harness.store.subscription(named: "s")?.isPaused == true, "pausing is persisted")

            try await harness.dispatcher.resume("s")
            await harness.settle { log.count == 9 }
            #expect(log.events.last?.id == paused.id)
            try await harness.settle { try await harness.dispatcher.status(of: "s").cursor == 4 }
            #expect(try await harness.dispatcher.status(of: "s").oldestUndeliveredAge == nil)
        }
        await #expect(throws: BillingError.self) { try await harness.dispatcher.pause("missing") }
        #expect(try await harness.dispatcher.statuses().map(\.name) == ["s"])
    }

    @Test("A replay or pause made before the dispatcher runs is honoured when it starts")
    func operationsBeforeRun() async throws {
        let harness = DurableHarness()
        for _ in 0..<3 { try await harness.publish(.userCreated) }
        let log = DeliveryLog()
        try await harness.dispatcher.subscribe("s", to: ["*"]) { log.record($0) }
        try await harness.store.setCursor(of: "s", to: 3, at: harness.clock.wallClock.now())
        try await harness.dispatcher.replay("s", afterSequence: 1)
        try await harness.running {
            await harness.settle { log.count == 2 }
            try await harness.dispatcher.pause("s")
        }
        #expect(log.sequences == [2, 3])
        let again = DurableHarness(store: harness.store)
        let none = DeliveryLog()
        try await again.dispatcher.subscribe("s", to: ["*"]) { none.record($0) }
        try await again.publish(.userUpdated)
        try await again.running {
            try await again.settle { try await again.dispatcher.status(of: "s").isActive }
            for _ in 0..<1000 { await Task.yield() }
        }
        #expect(none.count == 0, "a subscription paused in the store stays paused after a restart")
    }
}
