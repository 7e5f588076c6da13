import BillingCore
import BillingStore
import Foundation
import Logging

/// The poison-event scenario: the subscription "jobs" (3 attempts, 100 ms apart)
/// receives the parent's jobs; the one whose payload has `"poison": true` throws
/// (`throw`) or kills its own process (`suicide`). Each attempt's start is reported as
/// "start <sequence> <attempt>" before the handler does anything; "done <sequence>" after.
func consumeJobs(bus: EventBus, store: SQLiteEventStore, logger: Logger, poison: String, drain: Bool) async throws {
    let dispatcher = dispatcher(store, bus, logger)
    let options = DurableSubscriptionOptions(
        retry: RetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(100), multiplier: 1, jitter: 0), deliveryTimeout: .seconds(10), batchSize: 10
    )
    let attempts = AttemptReporter()
    try await dispatcher.subscribe("jobs", to: [.exact(jobType)], options: options, middleware: [attempts]) { event in
        if event.payload["poison"] == true {
            switch poison {
            case "suicide":
                kill(getpid(), SIGKILL)  // the handler takes its own process down
                try await Task.sleep(for: .seconds(60))
            default:
                throw PoisonJob()
            }
        }
        report("done \(event.sequence ?? -1)")
    }
    try await run(dispatcher, logger: logger) {
        if drain {
            try await waitUntilCaughtUp(dispatcher, subscriptions: 1)
        } else {
            try await Task.sleep(for: .seconds(3600))
        }
    }
    if drain { report("drained") }
}

/// Reports the start of every attempt, with its number as the pipeline counts it.
struct AttemptReporter: DeliveryMiddleware {
    func handle(_ delivery: Delivery, next: (Delivery) async throws -> Void) async throws {
        report("start \(delivery.event.sequence ?? -1) \(delivery.attempt)")
        try await next(delivery)
    }
}

struct PoisonJob: Error, CustomStringConvertible {
    var description: String { "the poison job failed on purpose" }
}
