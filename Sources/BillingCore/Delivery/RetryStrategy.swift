/// Decides what happens after a failed delivery attempt, like swift-jobs'
/// `JobRetryStrategy`. ``RetryPolicy`` (exponential backoff with jitter) is the default.
///
/// The handler can steer it by throwing a ``DeliveryError``: ``RetryPolicy`` honours
/// `retry(after:)` (still bounded by its attempts) and `giveUp`. `postpone` never
/// reaches a strategy: it is not a failure, and it does not use an attempt.
public protocol RetryStrategy: Sendable {
    /// What to do after attempt `attempt` (1-based, counting attempts in earlier
    /// processes) failed with `failure`.
    func decision(afterAttempt attempt: Int, failure: any Error) -> RetryDecision
}

extension RetryPolicy: RetryStrategy {
    public func decision(afterAttempt attempt: Int, failure: any Error) -> RetryDecision {
        let directive = (failure as? DeliveryError)?.directive
        if directive == .giveUp || attempt >= maxAttempts {
            return .deadLetter
        }
        if case .retry(let requested)? = directive {
            return .retry(after: requested)
        }
        return .retry(after: delay(afterAttempt: attempt))
    }
}

extension RetryStrategy where Self == RetryPolicy {
    /// Never retries: the first failure dead-letters the event.
    public static var none: RetryPolicy { .none }

    /// Exponential backoff with jitter; see ``RetryPolicy``.
    public static func exponential(
        maxAttempts: Int = 5, initialDelay: Duration = .seconds(1), maxDelay: Duration = .seconds(300), multiplier: Double = 2, jitter: Double = 0.2
    ) -> RetryPolicy {
        RetryPolicy(maxAttempts: maxAttempts, initialDelay: initialDelay, maxDelay: maxDelay, multiplier: multiplier, jitter: jitter)
    }
}
