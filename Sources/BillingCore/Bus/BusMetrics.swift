import CoreMetrics
import Synchronization

/// The bus's swift-metrics instruments, created once and reused.
///
/// Labels are dotted and prefixed `billing.`; dimensions are bounded
/// (event types and handler names, never ids).
final class BusMetrics: Sendable {
    private let factory: any MetricsFactory
    private let publishedByType = Locked<[BillingEventType: Counter]>([:])
    private let handlerFailures = Locked<[String: Counter]>([:])

    let deduplicated: Counter
    let publishFailures: Counter
    let publishDuration: CoreMetrics.Timer
    let handlerDuration: CoreMetrics.Timer
    let liveDropped: Counter

    init(factory: any MetricsFactory) {
        self.factory = factory
        deduplicated = Counter(label: "billing.events.deduplicated", factory: factory)
        publishFailures = Counter(label: "billing.events.publish_failures", factory: factory)
        publishDuration = CoreMetrics.Timer(label: "billing.publish.duration", factory: factory)
        handlerDuration = CoreMetrics.Timer(label: "billing.handler.duration", factory: factory)
        liveDropped = Counter(label: "billing.live.dropped", factory: factory)
    }

    func published(_ type: BillingEventType) {
        let counter = publishedByType.withLock { counters in
            if let counter = counters[type] { return counter }
            let counter = Counter(label: "billing.events.published", dimensions: [("type", type.rawValue)], factory: factory)
            counters[type] = counter
            return counter
        }
        counter.increment()
    }

    /// Counts a handler that threw (`reason: error`) or overran its timeout (`reason: timeout`).
    func handlerFailed(handler: String, reason: String) {
        let key = handler + "\u{0}" + reason
        let counter = handlerFailures.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Counter(
                label: "billing.handler.failures",
                dimensions: [("handler", handler), ("reason", reason)],
                factory: factory
            )
            counters[key] = counter
            return counter
        }
        counter.increment()
    }
}
