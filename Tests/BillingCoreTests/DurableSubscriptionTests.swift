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

@Suite("Durable subscriptions")
struct DurableSubscriptionTests {
    @Test("Delivers every matching event once, in sequence order, and persists the cursor")
    func deliversInOrder() async throws {
        let harness = DurableHarness()
        try await harness.publish(.invoiceGenerated)
        try await harness.publish(.userCreated)
        try await harness.publish(.invoicePaid)
        let log = DeliveryLog()
        try await harness.dispatcher.subscribe("invoices", to: ["invoice.*"]) { log.record($0) }
        try await harness.running {
            await harness.settle { log.count == 2 }
            try await harness.publish(.invoiceOverdue)
            try await harness.publish(.paymentCompleted)
            try await harness.publish(.invoicePaid)
            await harness.settle { log.count == 4 }
        }
        #expect(log.sequences == [1, 3, 4, 6])
        #expect(log.events.allSatisfy { $0.type.noun == "invoice" })
        // Every event up to the head is settled, the non-matching ones too.
        #expect(try await harness.store.subscription(named: "invoices")?.cursor == 6)
        #expect(try await harness.dispatcher.status(of: "invoices").lag == 0)
    }

    @Test("A restarted dispatcher resumes after the persisted cursor")
    func resumesAfterRestart() async throws {
        let store = InMemoryEventStore()
        let first = DurableHarness(store: store)
        let seenFirst = DeliveryLog()
        try await first.dispatcher.subscribe("s", to: ["*"]) { seenFirst.record($0) }
        try await first.running {
            for _ in 0..<3 { try await first.publish(.userCreated) }
            await first.settle { seenFirst.count == 3 }
        }
        // Events published while no dispatcher runs wait in the store.
        try await first.publish(.userUpdated)
        try await first.publish(.userDeleted)

        let second = DurableHarness(store: store)
        let seenSecond = DeliveryLog()
        try await second.dispatcher.subscribe("s", to: ["*"]) { seenSecond.record($0) }
        try await second.running {
            await second.settle { seenSecond.count == 2 }
        }
        #expect(seenFirst.sequences == [1, 2, 3])
        #expect(seenSecond.sequences == [4, 5])
    }

    @Test("Publishes through the bus wake a subscription at once; other writers are found by polling")
    func wakeAndPoll() async throws {
        // A poll interval unlike the 30 s delivery timeout, so the idle timer is recognisable.
        let harness = DurableHarness(configuration: DurableHarness.configuration(pollInterval: .seconds(45)))
        let log = DeliveryLog()
        try await harness.dispatcher.subscribe("s", to: ["*"]) { log.record($0) }
        try await harness.running {
            // Through the bus: delivered with the clock standing still.
            try await harness.publish(.userCreated)
            await harness.settle { log.count == 1 }
            #expect(harness.clock.elapsed == .zero)

            // Straight into the store, as another process would: found at the next poll.
            // First let the subscription go idle: its only timer is then the poll.
            // (The other timer is the lease renewal, a day away.)
            await harness.settle { harness.clock.sleeperCount == 2 && harness.clock.nextDeadline == .seconds(45) }
            _ = try await harness.store.append([BillingEvent(type: .userUpdated, payload: .sample(.userUpdated))])
            for _ in 0..<1000 { await Task.yield() }
            #expect(log.count == 1, "no wake-up came from another writer")
            harness.clock.advance(by: .seconds(45))
            await harness.settle { log.count == 2 }
        }
        #expect(log.sequences == [1, 2])
    }

    @Test("Failures are retried with exponential backoff on the clock")
    func retriesWithBackoff() async throws {
        let harness = DurableHarness()
        let attempts = Locked<[Date]>([])
        let options = DurableSubscriptionOptions(retry: RetryPolicy(maxAttempts: 5, initialDelay: .seconds(1), multiplier: 2, jitter: 0), deliveryTimeout: .seconds(600))
        try await harness.dispatcher.subscribe("flaky", to: ["*"], options: options) { _ in
            let count = attempts.withLock { list -> Int in
                list.append(harness.clock.wallClock.now())
                return list.count
            }
            if count < 3 { throw HandlerFailure() }
        }
        try await harness.running {
            try await harness.publish(.paymentInitiated)
            await harness.advanceTimers(within: .seconds(100)) { attempts.withLock { $0.count } == 3 }
            try await harness.settle { try await harness.store.subscription(named: "flaky")?.cursor == 1 }
        }
        let times = attempts.withLock { $0 }
        #expect(times.map { $0.timeIntervalSince(times[0]) } == [0, 1, 3])
        #expect(try harness.metrics.expectCounter("billing.delivery.failed", [("subscription", "flaky")]).totalValue == 2)
        #expect(try harness.metrics.expectCounter("billing.delivery.retried", [("subscription", "flaky")]).totalValue == 2)
        #expect(try harness.metrics.expectCounter("billing.delivery.delivered", [("subscription", "flaky")]).totalValue == 1)
        #expect(try await harness.dispatcher.deadLetters().isEmpty)
    }

    @Test("A handler can ask for a delay, or give up at once")
    func deliveryDirectives() async throws {
        let harness = DurableHarness()
        let delayed = Locked<[Date]>([])
        let retryLater = DurableSubscriptionOptions(retry: RetryPolicy(maxAttempts: 3, initialDelay: .seconds(1), jitter: 0), deliveryTimeout: .seconds(600))
        try await harness.dispatcher.subscribe("rate-limited", to: ["*"], options: retryLater) { _ in
            let count = delayed.withLock { list -> Int in
                list.append(harness.clock.wallClock.now())
                return list.count
            }
            if count == 1 { throw DeliveryError.retry(after: .seconds(42), reason: "429 from the provider") }
        }
        let givingUp = DeliveryLog()
        try await harness.dispatcher.subscribe("strict", to: ["*"], options: retryLater) { event in
            givingUp.record(event)
            if event.sequence == 1 { throw DeliveryError.giveUp(reason: "malformed payload") }
        }
        try await harness.running {
            try await harness.publish(.paymentInitiated)
            try await harness.publish(.paymentInitiated)
            await harness.advanceTimers(within: .seconds(100)) { delayed.withLock { $0.count } >= 3 && givingUp.count == 2 }
        }
        let times = delayed.withLock { $0 }
        #expect(times[1].timeIntervalSince(times[0]) == 42)
        #expect(givingUp.sequences == [1, 2], "gave up at once and moved on")
        let letters = try await harness.dispatcher.deadLetters(subscription: "strict")
        #expect(letters.count == 1)
        #expect(letters[0].attempts == 1)
        #expect(letters[0].lastError.contains("malformed payload"))
    }

    @Test("After the last attempt the event is dead-lettered, the subscription moves on, and others are untouched")
    func deadLetterAndIsolation() async throws {
        let harness = DurableHarness()
        let failing = DeliveryLog()
        let healthy = DeliveryLog()
        let options = DurableSubscriptionOptions(retry: RetryPolicy(maxAttempts: 3, initialDelay: .seconds(1), jitter: 0), deliveryTimeout: .seconds(600))
        try await harness.dispatcher.subscribe("failing", to: ["*"], options: options) { event in
            failing.record(event)
            if event.sequence == 2 { throw HandlerFailure() }
        }
        try await harness.dispatcher.subscribe("healthy", to: ["*"], options: options) { healthy.record($0) }
        try await harness.running {
            for _ in 0..<3 { try await harness.publish(.invoicePaid) }
            await harness.settle { healthy.count == 3 }
            await harness.advanceTimers(within: .seconds(100)) { failing.count == 5 }
            try await harness.settle { try await harness.store.subscription(named: "failing")?.cursor == 3 }
        }
        #expect(failing.sequences == [1, 2, 2, 2, 3])
        #expect(healthy.sequences == [1, 2, 3], "one subscription's failure never redelivers to another")
        let letter = try #require(try await harness.dispatcher.deadLetters(subscription: "failing").first)
        #expect(letter.event.sequence == 2)
        #expect(letter.attempts == 3)
        #expect(letter.lastError == "handler failed on purpose")
        #expect(letter.lastFailedAt.timeIntervalSince(letter.firstFailedAt) == 3)
        #expect(try await harness.dispatcher.status(of: "failing").deadLetterCount == 1)
        #expect(try harness.metrics.expectCounter("billing.deadletters", [("subscription", "failing")]).totalValue == 1)
        let deadLetterLog = harness.logs.entries.first { $0.message.description.contains("dead-lettered") }
        #expect(deadLetterLog?.metadata[LogKeys.subscription] == "failing")
        #expect(deadLetterLog?.metadata[LogKeys.eventType] == "invoice.paid")
    }

    @Test("Entity parallelism delivers entities concurrently and each entity in order")
    func entityParallelism() async throws {
        let harness = DurableHarness()
        let gate = Gate()
        let log = DeliveryLog()
        try await harness.dispatcher.subscribe("lanes", to: ["*"], options: DurableSubscriptionOptions(deliveryTimeout: .seconds(600), entityConcurrency: 3, batchSize: 50)) { event in
            if event.entityId == "A", event.payload["n"] == 0 {
                await gate.wait()  // entity A's first event is slow
            }
            log.record(event)
        }
        for n in 0..<4 {
            for entity in ["A", "B", "C"] {
                try await harness.publish(.invoicePaid, entity: entity, ["n": .int(Int64(n))])
            }
        }
        try await harness.running {
            // B and C finish while A is stuck on its first event.
            await harness.settle { log.events.filter { $0.entityId != "A" }.count == 8 }
            #expect(log.events.allSatisfy { $0.entityId != "A" })
            gate.open()
            await harness.settle { log.count == 12 }
        }
        for entity in ["A", "B", "C"] {
            #expect(log.events.filter { $0.entityId == entity }.map { $0.payload["n"]?.intValue } == [0, 1, 2, 3])
        }
        #expect(try await harness.store.subscription(named: "lanes")?.cursor == 12)
    }

    @Test("Deliveries across all subscriptions are bounded")
    func boundedConcurrency() async throws {
        let harness = DurableHarness(configuration: DurableHarness.configuration(maxConcurrentDeliveries: 2))
        let gate = Gate()
        let running = Locked((now: 0, peak: 0))
        let finished = DeliveryLog()
        for index in 0..<4 {
            try await harness.dispatcher.subscribe("s\(index)", to: ["*"], options: DurableSubscriptionOptions(deliveryTimeout: .seconds(600))) { event in
                running.withLock { $0.now += 1; $0.peak = max($0.peak, $0.now) }
                await gate.wait()
                running.withLock { $0.now -= 1 }
                finished.record(event)
            }
        }
        try await harness.running {
            try await harness.publish(.userCreated)
            await harness.settle { running.withLock { $0.now } == 2 }
            for _ in 0..<1000 { await Task.yield() }
            #expect(running.withLock { $0.peak } == 2)
            gate.open()
            await harness.settle { finished.count == 4 }
        }
        #expect(running.withLock { $0.peak } == 2)
    }

    @Test("Graceful shutdown lets a delivery in flight finish and persists its cursor")
    func shutdownFinishesInFlight() async throws {
        let harness = DurableHarness()
        let gate = Gate()
        let started = DeliveryLog()
        let finished = DeliveryLog()
        try await harness.dispatcher.subscribe("s", to: ["*"], options: DurableSubscriptionOptions(deliveryTimeout: .seconds(600))) { event in
            started.record(event)
            await gate.wait()
            finished.record(event)
        }
        try await harness.publish(.userCreated)
        try await harness.publish(.userCreated)
        let group = ServiceGroup(services: [harness.dispatcher], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            await harness.settle { started.count == 1 }
            await group.triggerGracefulShutdown()
            await harness.settle { harness.dispatcher.isShuttingDown }
            gate.open()
            try await tasks.waitForAll()
        }
        #expect(finished.sequences == [1], "the event in flight finished; the next one was not claimed")
        #expect(try await harness.store.subscription(named: "s")?.cursor == 1)
    }

    @Test("A delivery cut off by the shutdown deadline is delivered again after a restart")
    func shutdownDeadlineCutsOff() async throws {
        let store = InMemoryEventStore()
        let harness = DurableHarness(store: store, configuration: DurableHarness.configuration(shutdownDeadline: .seconds(10)))
        let stuck = Gate()
        let attempts = DeliveryLog()
        try await harness.dispatcher.subscribe("s", to: ["*"], options: DurableSubscriptionOptions(deliveryTimeout: .seconds(600))) { event in
            attempts.record(event)
            if attempts.count == 1 { await stuck.wait() }  // never returns on its own
        }
        try await harness.publish(.userCreated)
        let group = ServiceGroup(services: [harness.dispatcher], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            await harness.settle { attempts.count == 1 }
            await group.triggerGracefulShutdown()
            // The shutdown deadline is the next timer (the stuck delivery's timeout is 600 s away).
            await harness.settle { harness.clock.nextDeadline == .seconds(10) }
            harness.clock.advance(by: .seconds(10))
            try await tasks.waitForAll()
        }
        #expect(try await store.subscription(named: "s")?.cursor == 0, "the cut-off delivery is not acknowledged")
        #expect(harness.logs.entries.contains { $0.message.description.contains("Shutdown deadline passed") })

        let restarted = DurableHarness(store: store)
        let again = DeliveryLog()
        try await restarted.dispatcher.subscribe("s", to: ["*"]) { again.record($0) }
        try await restarted.running {
            await restarted.settle { again.count == 1 }
        }
        #expect(again.sequences == [1])
        stuck.open()
    }

    @Test("Delivery emits metrics, logs with the subscription key, and spans linked to the publish span")
    func observability() async throws {
        let harness = DurableHarness()
        let log = DeliveryLog()
        try await harness.dispatcher.subscribe("observed", to: ["*"]) { log.record($0) }
        let published = try await harness.running {
            let event = try await harness.publish(.invoicePaid)
            await harness.settle { log.count == 1 }
            await harness.settle { harness.tracer.finishedSpans.contains { $0.operationName == "billing.deliver" } }
            return event
        }
        #expect(try harness.metrics.expectCounter("billing.delivery.delivered", [("subscription", "observed")]).totalValue == 1)
        #expect(try harness.metrics.expectTimer("billing.delivery.duration", [("subscription", "observed")]).values.count == 1)
        #expect(try harness.metrics.expectGauge("billing.subscription.lag", [("subscription", "observed")]).lastValue == 0)

        let spans = harness.tracer.finishedSpans
        let publish = try #require(spans.first { $0.operationName == "billing.publish" })
        let deliver = try #require(spans.first { $0.operationName == "billing.deliver" })
        #expect(publish.kind == .producer)
        #expect(deliver.kind == .consumer)
        // The trace context travelled in the event's metadata...
        #expect(published.metadata[InMemoryTracer.spanIDKey]?.stringValue == publish.spanID)
        #expect(log.events[0].metadata[InMemoryTracer.traceIDKey]?.stringValue == publish.traceID)
        // ...and the delivery span links back to the publish span.
        #expect(deliver.links.contains { $0.context.inMemorySpanContext?.spanID == publish.spanID })
        #expect(deliver.attributes[LogKeys.subscription]?.toSpanAttribute() == "observed".toSpanAttribute())
    }

    @Test("Bad names and patterns are rejected; a name has one handler")
    func validation() async throws {
        let harness = DurableHarness()
        await #expect(throws: BillingError.self) { try await harness.dispatcher.subscribe("", to: ["*"]) { _ in } }
        await #expect(throws: BillingError.self) { try await harness.dispatcher.subscribe("s", to: []) { _ in } }
        try await harness.dispatcher.subscribe("s", to: ["*"]) { _ in }
        await #expect(throws: BillingError.self) { try await harness.dispatcher.subscribe("s", to: ["*"]) { _ in } }
        harness.dispatcher.unsubscribe("s")
        try await harness.dispatcher.subscribe("s", to: ["*"]) { _ in }
    }

    @Test("A new subscription can start at the end or after a sequence")
    func startPositions() async throws {
        let harness = DurableHarness()
        for _ in 0..<3 { try await harness.publish(.userCreated) }
        let fromEnd = DeliveryLog()
        let fromTwo = DeliveryLog()
        try await harness.dispatcher.subscribe("end", to: ["*"], options: DurableSubscriptionOptions(startPosition: .end)) { fromEnd.record($0) }
        try await harness.dispatcher.subscribe("two", to: ["*"], options: DurableSubscriptionOptions(startPosition: .afterSequence(2))) { fromTwo.record($0) }
        try await harness.running {
            try await harness.publish(.userUpdated)
            await harness.settle { fromEnd.count == 1 && fromTwo.count == 2 }
        }
        #expect(fromEnd.sequences == [4])
        #expect(fromTwo.sequences == [3, 4])
    }
}
