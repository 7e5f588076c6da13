import Foundation

/// The default ``RetryStrategy``: exponential backoff with jitter, in the style of
/// swift-jobs' `ExponentialJitterJobRetryStrategy`.
///
/// The delay before attempt `n + 1` is `initialDelay × multiplier^(n-1)`, capped
/// at `maxDelay`, then randomized by ±`jitter` so that many failing deliveries do
/// not retry in lockstep. After `maxAttempts` failed attempts the event is
/// dead-lettered and the subscription moves on.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included (default 5). 1 means no retry.
    public var maxAttempts: Int
    /// The delay after the first failure (default 1 s).
    public var initialDelay: Duration
    /// The largest delay (default 5 min).
    public var maxDelay: Duration
    /// Growth per attempt (default 2).
    public var multiplier: Double
    /// Relative randomization, 0 to 1 (default 0.2: ±20%).
    public var jitter: Double

    /// Creates a policy; every parameter has the documented default.
    public init(
        maxAttempts: Int = 5,
        initialDelay: Duration = .seconds(1),
        maxDelay: Duration = .seconds(300),
        multiplier: Double = 2,
        jitter: Double = 0.2
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialDelay = max(.zero, initialDelay)
        self.maxDelay = max(.zero, maxDelay)
        self.multiplier = max(1, multiplier)
        self.jitter = min(1, max(0, jitter))
    }

    /// Never retries: the first failure dead-letters the event.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// The delay after failed attempt number `attempt` (1-based), jittered with `generator`.
    public func delay(afterAttempt attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let exponent = Double(min(max(0, attempt - 1), 64))
        let base = Self.seconds(initialDelay) * Foundation.pow(multiplier, exponent)
        let capped = min(base, Self.seconds(maxDelay))
        let factor = jitter > 0 ? Double.random(in: (1 - jitter)...(1 + jitter), using: &generator) : 1
        return .nanoseconds(Int64(min(capped * factor, Self.seconds(maxDelay)) * 1e9))
    }

    /// The delay after failed attempt number `attempt`, with the system random generator.
    public func delay(afterAttempt attempt: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(afterAttempt: attempt, using: &generator)
    }

    /// Backoff is a growth curve, so `Double` seconds are precise enough here (never for money).
    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
