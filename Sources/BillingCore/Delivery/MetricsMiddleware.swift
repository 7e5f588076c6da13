public import CoreMetrics
import Synchronization

/// Counts and times durable deliveries with swift-metrics, one set of instruments per
/// subscription (the only dimension: never event or entity ids):
///
/// | metric | kind | meaning |
/// |---|---|---|
/// | `billing.delivery.duration` | timer | one attempt's handler time |
/// | `billing.delivery.delivered` | counter | attempts that returned |
/// | `billing.delivery.failed` | counter | attempts that threw or timed out |
/// | `billing.delivery.retried` | counter | failed attempts that will be tried again |
/// | `billing.deadletters` | counter | events dead-lettered |
/// | `billing.delivery.postponed` | counter | attempts that asked to wait (or met a quarantined plugin) |
public struct MetricsMiddleware: DeliveryMiddleware, SubscriptionBoundMiddleware {
    private let instruments: DeliveryInstruments
    /// The one subscription's instruments, when bound to its chain (no lookup per event).
    private let bound: DeliveryInstruments.Set?

    /// - Parameter factory: where the metrics go; the global `MetricsSystem` by default.
    public init(factory: (any MetricsFactory)? = nil) {
        instruments = DeliveryInstruments(factory: factory ?? MetricsSystem.factory)
        bound = nil
    }

    private init(instruments: DeliveryInstruments, bound: DeliveryInstruments.Set) {
        self.instruments = instruments
        self.bound = bound
    }

    func bound(to subscription: String) -> any DeliveryMiddleware {
        MetricsMiddleware(instruments: instruments, bound: instruments.of(subscription))
    }

    private func instruments(of delivery: Delivery) -> DeliveryInstruments.Set {
        bound ?? instruments.of(delivery.subscription)
    }

    public func handle(_ delivery: Delivery, next: (Delivery) async throws -> Void) async throws {
        let started = ContinuousClock.now
        defer { instruments(of: delivery).duration.record(duration: ContinuousClock.now - started) }
        try await next(delivery)
    }

    public func delivery(_ delivery: Delivery, endedWith outcome: DeliveryOutcome) {
        let instruments = instruments(of: delivery)
        switch outcome {
        case .delivered:
            instruments.delivered.increment()
        case .failed(_, let decision):
            instruments.failed.increment()
            switch decision {
            case .retry: instruments.retried.increment()
            case .deadLetter where !delivery.isRedelivery: instruments.deadLettered.increment()
            case .deadLetter: break
            }
        case .postponed:
            instruments.postponed.increment()
        case .interrupted:
            break
        }
    }
}

/// The instruments of every subscription, created once each and reused.
final class DeliveryInstruments: Sendable {
    final class Set: Sendable {
        let delivered: Counter
        let failed: Counter
        let retried: Counter
        let deadLettered: Counter
        let postponed: Counter
        let duration: CoreMetrics.Timer

        init(subscription: String, factory: any MetricsFactory) {
            let dimensions = [("subscription", subscription)]
            delivered = Counter(label: "billing.delivery.delivered", dimensions: dimensions, factory: factory)
            failed = Counter(label: "billing.delivery.failed", dimensions: dimensions, factory: factory)
            retried = Counter(label: "billing.delivery.retried", dimensions: dimensions, factory: factory)
            deadLettered = Counter(label: "billing.deadletters", dimensions: dimensions, factory: factory)
            postponed = Counter(label: "billing.delivery.postponed", dimensions: dimensions, factory: factory)
            duration = CoreMetrics.Timer(label: "billing.delivery.duration", dimensions: dimensions, factory: factory)
        }
    }

    private let factory: any MetricsFactory
    private let sets = Locked<[String: Set]>([:])

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    func of(_ subscription: String) -> Set {
        sets.withLock { sets in
            if let existing = sets[subscription] { return existing }
            let created = Set(subscription: subscription, factory: factory)
            sets[subscription] = created
            return created
        }
    }
}

extension CoreMetrics.Timer {
    /// Records a `Duration` (swift-metrics' `Metrics` module has the same helper; we
    /// depend on `CoreMetrics` only).
    package func record(duration: Duration) {
        let (seconds, attoseconds) = duration.components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
