import CoreMetrics
import Synchronization

/// The swift-metrics instruments of durable delivery, one set per subscription.
final class DeliveryMetrics: Sendable {
    final class Instruments: Sendable {
        let delivered: Counter
        let failed: Counter
        let retried: Counter
        let deadLettered: Counter
        let duration: CoreMetrics.Timer
        let lag: Gauge

        init(subscription: String, factory: any MetricsFactory) {
            let dimensions = [("subscription", subscription)]
            delivered = Counter(label: "billing.delivery.delivered", dimensions: dimensions, factory: factory)
            failed = Counter(label: "billing.delivery.failed", dimensions: dimensions, factory: factory)
            retried = Counter(label: "billing.delivery.retried", dimensions: dimensions, factory: factory)
            deadLettered = Counter(label: "billing.deadletters", dimensions: dimensions, factory: factory)
            duration = CoreMetrics.Timer(label: "billing.delivery.duration", dimensions: dimensions, factory: factory)
            lag = Gauge(label: "billing.subscription.lag", dimensions: dimensions, factory: factory)
        }
    }

    private let factory: any MetricsFactory
    private let bySubscription = Mutex<[String: Instruments]>([:])

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    func instruments(for subscription: String) -> Instruments {
        bySubscription.withLock { instruments in
            if let existing = instruments[subscription] { return existing }
            let created = Instruments(subscription: subscription, factory: factory)
            instruments[subscription] = created
            return created
        }
    }
}
