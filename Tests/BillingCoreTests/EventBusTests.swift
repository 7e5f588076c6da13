@testable import BillingCore
import BillingStore
import BillingTesting
import Foundation
import InMemoryLogging
import Logging
import MetricsTestKit
import ServiceLifecycle
import Testing

@Suite("EventBus")
struct EventBusTests {
    let store = InMemoryEventStore()

    // MARK: Publishing and idempotency

    @Test("publish persists first and returns the stored event with its sequence")
    func publishReturnsStored() async throws {
        let bus = EventBus(store: store)
        let first = try await bus.publish(BillingEvent(type: .userCreated, entityId: "u-1"))
        let second = try await bus.publish(BillingEvent(type: .userUpdated, entityId: "u-1"))
        #expect(first.sequence == 1)
        #expect(second.sequence == 2)
        #expect(try await store.event(id: first.id) == first)
        #expect(try await store.headSequence() == 2)
    }

    @Test("A repeated (tenant, idempotency key) returns the stored event and dispatches nothing")
    func idempotentPublish() async throws {
        let bus = EventBus(store: store)
        let seen = Recorder<EventID>()
        bus.subscribe(pattern: .all) { seen.record($0.id) }

        let original = try await bus.publish(BillingEvent(type: .paymentInitiated, payload: ["attempt": 1], tenantId: "t1", idempotencyKey: "pay-1"))
        let retry = try await bus.publish(BillingEvent(type: .paymentInitiated, payload: ["attempt": 2], tenantId: "t1", idempotencyKey: "pay-1"))
        #expect(retry == original)
        #expect(retry.payload == ["attempt": 1])
        #expect(seen.values == [original.id])

        // The same key in another tenant, or without a tenant, is a different event.
        let otherTenant = try await bus.publish(BillingEvent(type: .paymentInitiated, tenantId: "t2", idempotencyKey: "pay-1"))
        let noTenant = try await bus.publish(BillingEvent(type: .paymentInitiated, idempotencyKey: "pay-1"))
        let noTenantAgain = try await bus.publish(BillingEvent(type: .paymentInitiated, idempotencyKey: "pay-1"))
        #expect(otherTenant.id != original.id)
        #expect(noTenantAgain == noTenant)
        #expect(seen.count == 3)
        #expect(try await store.event(tenantId: "t1", idempotencyKey: "pay-1") == original)
        #expect(try await store.event(tenantId: nil, idempotencyKey: "pay-1") == noTenant)

        // Republishing an event with the same id is a duplicate too.
        #expect(try await bus.publish(original) == original)
        #expect(seen.count == 3)
        #expect(try await store.headSequence() == 3)
    }

    @Test("Concurrent publishes of one idempotency key store and dispatch it exactly once")
    func concurrentIdempotency() async throws {
        let bus = EventBus(store: store)
        let seen = Recorder<EventID>()
        bus.subscribe(.invoicePaid) { seen.record($0.id) }
        let results = try await withThrowingTaskGroup(of: BillingEvent.self) { group in
            for _ in 0..<50 {
                group.addTask { try await bus.publish(BillingEvent(type: .invoicePaid, tenantId: "t", idempotencyKey: "inv-9-paid")) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(results.map(\.id)).count == 1)
        #expect(seen.count == 1)
        #expect(try await store.headSequence() == 1)
    }

    @Test("A batch is atomic: one invalid event and none is stored or dispatched")
    func atomicBatch() async throws {
        let bus = EventBus(store: store)
        let seen = Recorder<EventID>()
        bus.subscribe(pattern: .all) { seen.record($0.id) }
        let batch = [
            BillingEvent(type: .invoiceGenerated, entityId: "inv-1"),
            BillingEvent(type: .invoicePaid, entityId: String(repeating: "x", count: 1000)),
            BillingEvent(type: .paymentCompleted, entityId: "p-1"),
        ]
        do {
            try await bus.publish(batch)
            Issue.record("the batch was accepted")
        } catch let error as BillingError {
            #expect(error.field == "entityId")
            #expect(error.message.contains("Event 1 of the batch"))
        }
        #expect(try await store.headSequence() == 0)
        #expect(seen.count == 0)

        let stored = try await bus.publish([batch[0], batch[2]])
        #expect(stored.map(\.sequence) == [1, 2])
        #expect(seen.values == [batch[0].id, batch[2].id])
    }

    @Test("Duplicates inside a batch resolve to the first and do not fail the rest")
    func duplicatesInsideBatch() async throws {
        let bus = EventBus(store: store)
        let existing = try await bus.publish(BillingEvent(type: .userCreated, tenantId: "t", idempotencyKey: "k0"))
        let stored = try await bus.publish([
            BillingEvent(type: .userUpdated, tenantId: "t", idempotencyKey: "k1"),
            BillingEvent(type: .userUpdated, tenantId: "t", idempotencyKey: "k1"),
            BillingEvent(type: .userUpdated, tenantId: "t", idempotencyKey: "k0"),
            BillingEvent(type: .userDeleted, tenantId: "t"),
        ])
        #expect(stored[1] == stored[0])
        #expect(stored[2] == existing)
        #expect(stored.map(\.sequence) == [2, 2, 1, 3])
    }

    @Test("A store failure surfaces as storage.failure and nothing is dispatched")
    func storeFailure() async throws {
        let bus = EventBus(store: FailingStore())
        let seen = Recorder<EventID>()
        bus.subscribe(pattern: .all) { seen.record($0.id) }
        do {
            try await bus.publish(BillingEvent(type: .userCreated))
            Issue.record("expected a failure")
        } catch let error as BillingError {
            #expect(error.code == .storageFailure)
            #expect(error.underlying != nil)
        }
        #expect(seen.count == 0)
    }

    // MARK: Subscribing

    @Test("Subscriptions by exact type, by pattern and by typed payload; cancel stops delivery")
    func subscriptions() async throws {
        let bus = EventBus(store: store)
        let exact = Recorder<BillingEventType>()
        let invoices = Recorder<BillingEventType>()
        let everything = Recorder<BillingEventType>()
        let typed = Recorder<String>()
        bus.subscribe(.paymentCompleted) { exact.record($0.type) }
        let invoiceSubscription = bus.subscribe(pattern: "invoice.*", name: "invoices") { invoices.record($0.type) }
        bus.subscribe(pattern: .all) { everything.record($0.type) }
        bus.subscribe(to: InvoicePaid.self) { payload, event in
            #expect(event.type == .invoicePaid)
            typed.record(payload.invoice.id)
        }

        let invoice = SamplePayloads.invoice
        try await bus.publish(InvoiceGenerated(invoice: invoice))
        try await bus.publish(InvoicePaid(invoice: invoice))
        try await bus.publish(PaymentCompleted(payment: SamplePayloads.payment))
        try await bus.publish(BillingEvent(type: try BillingEventType("invoicing.run.started")))

        #expect(exact.values == [.paymentCompleted])
        #expect(invoices.values == [.invoiceGenerated, .invoicePaid])
        #expect(everything.count == 4)
        #expect(typed.values == ["inv-1"])

        #expect(invoiceSubscription.isActive)
        invoiceSubscription.cancel()
        #expect(!invoiceSubscription.isActive)
        try await bus.publish(InvoiceOverdue(invoice: invoice, daysOverdue: 1))
        #expect(invoices.count == 2)
        #expect(everything.count == 5)
    }

    @Test("Typed publish fills entity, user and timestamp from the payload and the clock")
    func typedPublish() async throws {
        let clock = TestClock()
        let bus = EventBus(store: store, clock: clock)
        let event = try await bus.publish(PaymentCompleted(payment: SamplePayloads.payment), tenantId: "acme")
        #expect(event.type == .paymentCompleted)
        #expect(event.entityId == "p-1")
        #expect(event.userId == "u-1")
        #expect(event.timestamp == clock.now())
        #expect(try event.decodePayload(as: PaymentCompleted.self) == PaymentCompleted(payment: SamplePayloads.payment))
        #expect(throws: BillingError.self) { try event.decodePayload(as: InvoicePaid.self) }
    }

    // MARK: Isolation

    @Test("A throwing handler and a hanging handler affect neither a good handler nor the publisher", arguments: [EventBus.DispatchMode.awaitHandlers, .background])
    func isolation(mode: EventBus.DispatchMode) async throws {
        let clock = TestClock()
        let metrics = TestMetrics()
        let logs = InMemoryLogHandler()
        let bus = EventBus(
            store: store,
            configuration: .init(handlerTimeout: .seconds(5), dispatchMode: mode),
            logger: Logger(label: "test", factory: { _ in logs }),
            metricsFactory: metrics,
            clock: clock
        )
        let hang = Gate()
        let good = Recorder<EventID>()
        let hanging = Recorder<EventID>()
        bus.subscribe(.invoicePaid, name: "thrower") { _ in throw HandlerFailure() }
        bus.subscribe(.invoicePaid, name: "hanger") { event in
            hanging.record(event.id)
            await hang.wait()  // ignores cancellation: a truly stuck handler
        }
        bus.subscribe(.invoicePaid, name: "good") { good.record($0.id) }

        try await withThrowingTaskGroup(of: Void.self) { group in
            if mode == .background {
                group.addTask { try await bus.run() }
                while !bus.isRunning { await Task.yield() }
            }
            let published = Flag()
            let event = BillingEvent(type: .invoicePaid, entityId: "inv-1")
            group.addTask {
                let stored = try await bus.publish(event)
                #expect(stored.id == event.id)
                published.set()
            }
            await good.waitFor(1)
            await hanging.waitFor(1)
            #expect(good.values == [event.id])

            // The hanging handler holds an awaiting publisher until its deadline; a
            // background publisher has already returned.
            if mode == .background {
                while !published.isSet { await Task.yield() }
            }
            try await advance(clock, by: .seconds(5), until: { metrics.counterTotal(label: "billing.handler.failures") == 2 })
            if mode == .awaitHandlers {
                while !published.isSet { await Task.yield() }
            }

            #expect(try metrics.expectCounter("billing.handler.failures", [("handler", "thrower"), ("reason", "error")]).totalValue == 1)
            #expect(try metrics.expectCounter("billing.handler.failures", [("handler", "hanger"), ("reason", "timeout")]).totalValue == 1)
            #expect(metrics.counters(label: "billing.handler.failures", dimensions: [("handler", "good"), ("reason", "error")]).isEmpty)

            let failures = logs.entries.filter { $0.level == .error }
            #expect(failures.count == 2)
            for entry in failures {
                #expect(entry.metadata[LogKeys.eventID] == "\(event.id)")
                #expect(entry.metadata[LogKeys.eventType] == "invoice.paid")
            }

            // The bus keeps working for the next event (the stuck handler is released
            // first so an awaiting publisher is not held for another deadline).
            hang.open()
            try await bus.publish(BillingEvent(type: .invoicePaid, entityId: "inv-2"))
            await good.waitFor(2)
            group.cancelAll()
        }
    }

    /// Advances the test clock in steps until `done` holds, letting woken tasks run in between.
    private func advance(_ clock: TestClock, by step: Duration, until done: () -> Bool) async throws {
        for _ in 0..<100_000 {
            if done() { return }
            if clock.sleeperCount > 0 {
                clock.advance(by: step)
            }
            await Task.yield()
        }
        Issue.record("condition not reached")
    }

    // MARK: Background dispatch

    @Test("In background mode publish returns after the commit, before handlers finish, and shutdown drains them")
    func backgroundDispatch() async throws {
        let bus = EventBus(store: store, configuration: .init(handlerTimeout: nil, dispatchMode: .background, backgroundWorkers: 2))
        let release = Gate()
        let handled = Recorder<Int64>()
        bus.subscribe(pattern: .all) { event in
            await release.wait()
            handled.record(event.sequence!)
        }
        let group = ServiceGroup(services: [bus], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            // Wait until the bus is running so publishes are handed to its workers.
            while !bus.isRunning { await Task.yield() }
            for index in 0..<10 {
                try await bus.publish(BillingEvent(type: .userCreated, entityId: "u-\(index)"))
            }
            #expect(handled.count == 0, "publish returned while every handler was still blocked")
            await group.triggerGracefulShutdown()
            release.open()
            try await tasks.waitForAll()
        }
        // Graceful shutdown drained the queue before run() returned.
        #expect(Set(handled.values) == Set(1...10))
        // After shutdown, publish still dispatches (inline), so nothing is skipped.
        try await bus.publish(BillingEvent(type: .userCreated))
        #expect(handled.count == 11)
    }

    @Test("The background queue is bounded: a full queue makes publishers wait")
    func boundedQueue() async throws {
        let queue = BackgroundDispatchQueue(capacity: 2)
        let one = [BillingEvent(type: .userCreated)]
        #expect(await queue.enqueue(one))
        #expect(await queue.enqueue(one))
        #expect(queue.depth == 2)
        let third = Flag()
        let waiting = Task {
            let accepted = await queue.enqueue(one)
            third.set()
            return accepted
        }
        for _ in 0..<1000 { await Task.yield() }
        #expect(!third.isSet, "the third batch must wait for room")
        #expect(queue.depth == 2)
        _ = await queue.next()
        #expect(await waiting.value)
        #expect(queue.depth == 2)
        queue.finish()
        #expect(await queue.enqueue(one) == false)
        #expect(await queue.next() != nil)
        #expect(await queue.next() != nil)
        #expect(await queue.next() == nil)
    }

    @Test("run() may be called once")
    func runOnce() async throws {
        let bus = EventBus(store: store)
        let group = ServiceGroup(services: [bus], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            while !bus.isRunning { await Task.yield() }
            await #expect(throws: BillingError.self) { try await bus.run() }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    // MARK: Live stream

    @Test("The live stream yields matching events and ends when the bus stops")
    func liveStream() async throws {
        let bus = EventBus(store: store)
        let stream = bus.liveEvents(matching: ["payment.*"])
        let group = ServiceGroup(services: [bus], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await bus.publish(BillingEvent(type: .userCreated))
            try await bus.publish(BillingEvent(type: .paymentInitiated))
            try await bus.publish(BillingEvent(type: .paymentCompleted))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        var received: [BillingEventType] = []
        for await event in stream { received.append(event.type) }
        #expect(received == [.paymentInitiated, .paymentCompleted])
    }

    @Test("A full live buffer drops by its policy and counts the drops", arguments: [LiveEventStream.OverflowPolicy.dropOldest, .dropNewest])
    func liveOverflow(policy: LiveEventStream.OverflowPolicy) async throws {
        let metrics = TestMetrics()
        let bus = EventBus(store: store, metricsFactory: metrics)
        let stream = bus.liveEvents(bufferSize: 2, overflow: policy)
        for _ in 0..<5 {
            try await bus.publish(BillingEvent(type: .userCreated))
        }
        var iterator = stream.makeAsyncIterator()
        let first = await iterator.next()?.sequence
        let second = await iterator.next()?.sequence
        switch policy {
        case .dropOldest: #expect([first, second] == [4, 5])
        case .dropNewest: #expect([first, second] == [1, 2])
        }
        #expect(try metrics.expectCounter("billing.live.dropped").totalValue == 3)
    }

    // MARK: Metrics

    @Test("Published, deduplicated and duration metrics are emitted with DESIGN labels")
    func metrics() async throws {
        let metrics = TestMetrics()
        let bus = EventBus(store: store, metricsFactory: metrics)
        try await bus.publish(BillingEvent(type: .invoicePaid, idempotencyKey: "k"))
        try await bus.publish(BillingEvent(type: .invoicePaid, idempotencyKey: "k"))
        try await bus.publish(BillingEvent(type: .userCreated))
        #expect(try metrics.expectCounter("billing.events.published", [("type", "invoice.paid")]).totalValue == 1)
        #expect(try metrics.expectCounter("billing.events.published", [("type", "user.created")]).totalValue == 1)
        #expect(try metrics.expectCounter("billing.events.deduplicated").totalValue == 1)
        #expect(try metrics.expectTimer("billing.publish.duration").values.count == 3)
    }
}

/// A store whose writes always fail, to check error mapping.
private struct FailingStore: EventStore {
    struct DiskFull: Error {}
    func append(_ events: [BillingEvent]) async throws -> [AppendResult] { throw DiskFull() }
    func events(matching filters: EventFilters) async throws -> [BillingEvent] { [] }
    func event(id: EventID) async throws -> BillingEvent? { nil }
    func event(tenantId: String?, idempotencyKey: String) async throws -> BillingEvent? { nil }
    func headSequence() async throws -> Int64 { 0 }
}
