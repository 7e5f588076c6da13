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

    @Test("A store failure surfaces as storage.failure and nothing is dispatched")
    func storeFailure() async throws {
        let bus = EventBus(store: FailingStore())
        let seen = Recorder<EventID>()
        bus.subscribe(pattern: .all) { seen.record($0.id) }
        do {
            try await bus.publish(BillingEvent(type: .userCreated, payload: .sample(.userCreated)))
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
        let bus = EventBus(store: store, clock: clock, wallClock: clock.wallClock)
        let event = try await bus.publish(PaymentCompleted(payment: SamplePayloads.payment), tenantId: "acme").event
        #expect(event.type == .paymentCompleted)
        #expect(event.entityId == "p-1")
        #expect(event.userId == "u-1")
        #expect(event.timestamp == clock.wallClock.now())
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
            let event = BillingEvent(type: .invoicePaid, payload: .sample(.invoicePaid), entityId: "inv-1")
            group.addTask {
                let stored = try await bus.publish(event)
                #expect(stored.event.id == event.id)
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
            try await bus.publish(BillingEvent(type: .invoicePaid, payload: .sample(.invoicePaid), entityId: "inv-2"))
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
                try await bus.publish(BillingEvent(type: .userCreated, payload: .sample(.userCreated), entityId: "u-\(index)"))
            }
            #expect(handled.count == 0, "publish returned while every handler was still blocked")
            await group.triggerGracefulShutdown()
            release.open()
            try await tasks.waitForAll()
        }
        // Graceful shutdown drained the queue before run() returned.
        #expect(Set(handled.values) == Set(1...10))
        // After shutdown, publish still dispatches (inline), so nothing is skipped.
        try await bus.publish(BillingEvent(type: .userCreated, payload: .sample(.userCreated)))
        #expect(handled.count == 11)
    }

    @Test("The background queue is bounded: a full queue makes publishers wait")
    func boundedQueue() async throws {
        let queue = BackgroundDispatchQueue(capacity: 2)
        let one = [BillingEvent(type: .userCreated, payload: .sample(.userCreated))]
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
            try await bus.publish(BillingEvent(type: .userCreated, payload: .sample(.userCreated)))
            try await bus.publish(BillingEvent(type: .paymentInitiated, payload: .sample(.paymentInitiated)))
            try await bus.publish(BillingEvent(type: .paymentCompleted, payload: .sample(.paymentCompleted)))
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
            try await bus.publish(BillingEvent(type: .userCreated, payload: .sample(.userCreated)))
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

    @Test("Published, deduplicated and duration metrics are emitted with the documented labels")
    func metrics() async throws {
        let metrics = TestMetrics()
        let bus = EventBus(store: store, metricsFactory: metrics)
        try await bus.publish(BillingEvent(type: .invoicePaid, payload: .sample(.invoicePaid), idempotencyKey: "k"))
        try await bus.publish(BillingEvent(type: .invoicePaid, payload: .sample(.invoicePaid), idempotencyKey: "k"))
        try await bus.publish(BillingEvent(type: .userCreated, payload: .sample(.userCreated)))
        #expect(try metrics.expectCounter("billing.events.published", [("type", "invoice.paid")]).totalValue == 1)
        #expect(try metrics.expectCounter("billing.events.published", [("type", "user.created")]).totalValue == 1)
        #expect(try metrics.expectCounter("billing.events.deduplicated").totalValue == 1)
        #expect(try metrics.expectTimer("billing.publish.duration").values.count == 3)
    }
}

/// A store whose writes always fail, to check error mapping.
private struct FailingStore: EventStore {
    struct DiskFull: Error {}
    func append(_ events: [BillingEvent]) async throws -> [StoredEvent] { throw DiskFull() }
    func close() async throws {}
    func events(matching filters: EventFilters) async throws -> [BillingEvent] { [] }
    func event(id: EventID) async throws -> BillingEvent? { nil }
    func event(tenantId: String?, idempotencyKey: String) async throws -> BillingEvent? { nil }
    func headSequence() async throws -> Int64 { 0 }
}
