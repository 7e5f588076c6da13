import BillingCore
import BillingStore
import Foundation
import Logging
import ServiceLifecycle

/// The dispatcher settings of every consuming mode: fast polling, and a short lease, so
/// a restarted child takes over from a killed one within a fraction of a second.
func dispatcher(_ store: SQLiteEventStore, _ bus: EventBus, _ logger: Logger) -> SubscriptionDispatcher {
    SubscriptionDispatcher(
        store: store, bus: bus,
        configuration: .init(pollInterval: .milliseconds(20), shutdownDeadline: .seconds(5), leaseDuration: .milliseconds(600)),
        logger: logger
    )
}

/// Runs `dispatcher` until `body` returns (then shuts it down gracefully), or forever.
func run(_ dispatcher: SubscriptionDispatcher, logger: Logger, until body: @escaping @Sendable () async throws -> Void) async throws {
    let group = ServiceGroup(services: [dispatcher], logger: logger)
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        try await body()
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}

/// Returns once every subscription of `dispatcher` is caught up.
func waitUntilCaughtUp(_ dispatcher: SubscriptionDispatcher, subscriptions: Int) async throws {
    while true {
        let statuses = try await dispatcher.statuses()
        if statuses.count == subscriptions, statuses.allSatisfy({ $0.lag == 0 && $0.retryingCount == 0 }) { return }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// The durable-subscription crash scenario: two subscriptions (one strictly ordered,
/// one in entity lanes) consuming while a publisher keeps publishing. Every handled
/// delivery and every acknowledged publish is reported on its own line.
func consume(bus: EventBus, store: SQLiteEventStore, logger: Logger, drain: Bool) async throws {
    let dispatcher = dispatcher(store, bus, logger)
    let options = DurableSubscriptionOptions(deliveryTimeout: .seconds(10), batchSize: 20)
    try await dispatcher.subscribe("ordered", to: ["*"], options: options) { event in
        report("handled ordered \(event.sequence ?? -1) \(event.entityId ?? "-")")
    }
    var lanes = options
    lanes.entityConcurrency = 4
    try await dispatcher.subscribe("lanes", to: ["invoice.*", "payment.*"], options: lanes) { event in
        report("handled lanes \(event.sequence ?? -1) \(event.entityId ?? "-")")
    }
    try await run(dispatcher, logger: logger) {
        if drain {
            try await waitUntilCaughtUp(dispatcher, subscriptions: 2)
            return
        }
        let types = try ["invoice.noted", "payment.noted", "user.noted", "invoice.settled", "payment.settled"].map(BillingEventType.init)
        var round = 0
        while true {
            round += 1
            let events = (0..<(round % 3 + 1)).map { index in
                BillingEvent(type: types[(round + index) % types.count], payload: ["round": .int(Int64(round))], entityId: "entity-\((round + index) % 5)")
            }
            let stored = try await bus.publish(events)
            report("published " + stored.map { "\($0.event.sequence ?? -1)" }.joined(separator: " "))
        }
    }
    if drain { report("drained") }
}
