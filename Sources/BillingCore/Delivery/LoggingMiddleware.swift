public import Logging

/// Logs what happens to deliveries: a retry at `warning`, a dead letter at `error`, a
/// postponement at `debug`, with the subscription, event id and type, attempt and delay
/// as metadata and the failure as swift-log's `error:`. Successful deliveries are not logged.
public struct LoggingMiddleware: DeliveryMiddleware, PassThroughMiddleware {
    private let logger: Logger

    /// - Parameter logger: where to log.
    public init(logger: Logger) {
        self.logger = logger
    }

    var passesThrough: Bool { true }

    public func delivery(_ delivery: Delivery, endedWith outcome: DeliveryOutcome) {
        switch outcome {
        case .delivered, .interrupted:
            return
        case .failed(let error, .retry(let delay)):
            logger.warning("Delivery failed; will retry", error: error, metadata: metadata(delivery, delay: delay))
        case .failed(let error, .deadLetter):
            logger.error("Event dead-lettered after its last attempt", error: error, metadata: metadata(delivery))
        case .postponed(let delay, let reason):
            var metadata = metadata(delivery, delay: delay)
            metadata["billing.reason"] = "\(reason)"
            logger.debug("Delivery postponed", metadata: metadata)
        }
    }

    private func metadata(_ delivery: Delivery, delay: Duration? = nil) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            LogKeys.subscription: "\(delivery.subscription)",
            LogKeys.eventID: "\(delivery.event.id)",
            LogKeys.eventType: "\(delivery.event.type)",
            LogKeys.attempt: "\(delivery.attempt)",
        ]
        if let sequence = delivery.event.sequence { metadata[LogKeys.eventSequence] = "\(sequence)" }
        if let delay { metadata[LogKeys.retryDelay] = "\(delay)" }
        return metadata
    }
}
