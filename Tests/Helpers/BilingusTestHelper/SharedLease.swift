import BillingCore
import BillingStore
import Foundation
import Logging

/// The lease scenario: the subscription "shared" on a file another helper process
/// also consumes. Each delivery is reported as "handled <sequence> <pid>".
func consumeShared(bus: EventBus, store: SQLiteEventStore, logger: Logger) async throws {
    let dispatcher = dispatcher(store, bus, logger)
    let process = ProcessInfo.processInfo.processIdentifier
    try await dispatcher.subscribe("shared", to: [.exact(jobType)], options: DurableSubscriptionOptions(deliveryTimeout: .seconds(10), batchSize: 10)) { event in
        report("handled \(event.sequence ?? -1) \(process)")
    }
    report("ready \(process)")
    try await run(dispatcher, logger: logger) {
        try await Task.sleep(for: .seconds(3600))
    }
}
