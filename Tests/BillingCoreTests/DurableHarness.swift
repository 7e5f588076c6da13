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

/// A bus, a dispatcher and a test clock over one in-memory store.
struct DurableHarness {
    let store: InMemoryEventStore
    let clock: TestClock
    let metrics = TestMetrics()
    let tracer = InMemoryTracer()
    let logs = InMemoryLogHandler()
    let bus: EventBus
    let dispatcher: SubscriptionDispatcher

    /// The harness's dispatcher defaults: no polling, a lease that never needs renewing
    /// within a test, and every cursor written at once (no spacing on the test clock).
    static let quiet = SubscriptionDispatcher.Configuration(pollInterval: .seconds(3600), leaseDuration: .seconds(86_400), cursorWriteInterval: .zero)

    init(
        store: InMemoryEventStore = InMemoryEventStore(), configuration: SubscriptionDispatcher.Configuration = DurableHarness.quiet,
        middleware: [any DeliveryMiddleware] = [], clock: TestClock = TestClock()
    ) {
        self.store = store
        self.clock = clock
        let logs = self.logs
        let logger = Logger(label: "test", factory: { _ in logs })
        bus = EventBus(store: store, logger: logger, metricsFactory: metrics, clock: clock, wallClock: clock.wallClock, tracer: tracer)
        dispatcher = SubscriptionDispatcher(
            store: store, bus: bus, configuration: configuration, middleware: middleware,
            logger: logger, metricsFactory: metrics, clock: clock, wallClock: clock.wallClock, tracer: tracer
        )
    }

    /// The harness's defaults with other values.
    static func configuration(
        pollInterval: Duration = .seconds(3600), shutdownDeadline: Duration = .seconds(10), maxConcurrentDeliveries: Int = 64,
        leaseDuration: Duration = .seconds(86_400)
    ) -> SubscriptionDispatcher.Configuration {
        .init(
            pollInterval: pollInterval, shutdownDeadline: shutdownDeadline, maxConcurrentDeliveries: maxConcurrentDeliveries,
            leaseDuration: leaseDuration, cursorWriteInterval: .zero
        )
    }

    /// Runs the dispatcher for the duration of `body`, then shuts it down gracefully.
    func running<T>(_ body: () async throws -> T) async throws -> T {
        let group = ServiceGroup(services: [dispatcher], logger: Logger(label: "test"))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                let result = try await body()
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return result
            } catch {
                tasks.cancelAll()
                throw error
            }
        }
    }

    /// Publishes an event of `type` with a valid sample payload (plus `extra` members).
    @discardableResult
    func publish(_ type: BillingEventType, entity: String? = nil, _ extra: [String: JSONValue] = [:]) async throws -> BillingEvent {
        try await bus.publish(BillingEvent(type: type, payload: .sample(type, adding: extra), timestamp: clock.wallClock.now(), entityId: entity)).event
    }

    /// Fires the clock's timers that are due within `horizon`, one at a time, while
    /// `condition` is false, letting woken tasks run in between. Timers further out
    /// (delivery timeouts, idle polling) are left alone.
    func advanceTimers(within horizon: Duration, until condition: () -> Bool) async {
        for _ in 0..<200_000 {
            if condition() { return }
            clock.advanceToNextDeadline(within: horizon)
            await Task.yield()
        }
        Issue.record("condition not reached while advancing the clock")
    }

    /// Yields until `condition` holds (for effects that need no clock).
    func settle(until condition: () async throws -> Bool) async rethrows {
        for _ in 0..<200_000 {
            if try await condition() { return }
            await Task.yield()
        }
        Issue.record("condition not reached")
    }
}

/// Counts handler calls per event and the order they came in.
final class DeliveryLog: Sendable {
    private let state = Locked<[BillingEvent]>([])
    func record(_ event: BillingEvent) { state.withLock { $0.append(event) } }
    var events: [BillingEvent] { state.withLock { $0 } }
    var sequences: [Int64] { events.compactMap(\.sequence) }
    var count: Int { state.withLock { $0.count } }
}

