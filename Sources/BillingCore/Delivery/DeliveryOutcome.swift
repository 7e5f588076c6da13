/// How one delivery attempt ended, and what happens next: the one outcome type from
/// the handler to the subscription's cursor.
///
/// Middleware observes it through ``DeliveryMiddleware/delivery(_:endedWith:)``.
public enum DeliveryOutcome: Sendable {
    /// The handler returned. The event is settled.
    case delivered
    /// The handler threw or overran the delivery timeout (then the error is a
    /// `BillingError` coded `timeout`). `then` says whether the event is tried again
    /// or dead-lettered (which settles it).
    case failed(any Error, then: RetryDecision)
    /// The handler asked to wait (``DeliveryError/postpone(after:reason:)``), or its
    /// plugin is quarantined: tried again after the delay; the attempt does not count.
    case postponed(after: Duration, reason: String)
    /// Cut off before it settled (shutdown, pause, a lost lease): it will be delivered again.
    case interrupted
}

/// What a ``RetryStrategy`` decides after a failed attempt.
public enum RetryDecision: Sendable, Hashable {
    /// Try again after this delay.
    case retry(after: Duration)
    /// Stop trying: record a dead letter and move on.
    case deadLetter
}
