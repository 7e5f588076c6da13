/// Thrown by a durable subscription's handler to steer its retries.
///
/// Any other error is retried by the subscription's ``RetryPolicy``. Throw
/// ``retry(after:reason:)`` to choose the delay (say, from a rate limit's
/// `Retry-After`), or ``giveUp(reason:)`` when retrying cannot help (a malformed
/// payload): the event is dead-lettered at once. Throw ``postpone(after:reason:)``
/// when the event cannot be handled *yet* for a reason outside it (the service it
/// needs is known to be down): it waits without using up an attempt.
public struct DeliveryError: Error, Sendable, CustomStringConvertible {
    /// What the handler asks for.
    public enum Directive: Sendable, Hashable {
        /// Try again after this delay (still bounded by the policy's attempts).
        case retry(after: Duration)
        /// Do not try again: dead-letter the event now.
        case giveUp
        /// Try again after this delay without counting an attempt or a failure.
        case postpone(after: Duration)
    }

    /// What the handler asks for.
    public let directive: Directive
    /// Why, for the log and the dead letter. No secrets, no payload data.
    public let reason: String

    package init(directive: Directive, reason: String) {
        self.directive = directive
        self.reason = reason
    }

    /// Try again after `delay`.
    public static func retry(after delay: Duration, reason: String) -> DeliveryError {
        DeliveryError(directive: .retry(after: delay), reason: reason)
    }

    /// Do not try again; dead-letter the event.
    public static func giveUp(reason: String) -> DeliveryError {
        DeliveryError(directive: .giveUp, reason: reason)
    }

    /// Wait `delay`, then try again; the attempt does not count. For a dependency known
    /// to be unavailable (a quarantined plugin), not for errors of the event itself.
    public static func postpone(after delay: Duration, reason: String) -> DeliveryError {
        DeliveryError(directive: .postpone(after: delay), reason: reason)
    }

    public var description: String {
        switch directive {
        case .retry(let delay): "retry after \(delay): \(reason)"
        case .giveUp: "gave up: \(reason)"
        case .postpone(let delay): "postponed for \(delay): \(reason)"
        }
    }
}
