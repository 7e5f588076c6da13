import BillingCore

/// When a failed webhook message is tried again: a list of delays after the first
/// attempt, jittered, and never sooner than the receiver's `Retry-After`.
///
/// The default is Svix's: at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h, eight
/// attempts over about 27 hours, where Lago gave up after 3 attempts in about 2 minutes.
public struct WebhookRetrySchedule: Sendable, Hashable {
    /// The delay before each retry: `delays[0]` after the first attempt, and so on.
    public var delays: [Duration]
    /// Relative randomization of each delay, 0 to 1 (default 0.1: ±10%), so that
    /// messages that failed together do not retry in lockstep.
    public var jitter: Double
    /// The longest `Retry-After` honoured; a longer one waits this long.
    public var maxRetryAfter: Duration

    /// Svix's schedule.
    public static let standard = WebhookRetrySchedule(
        unchecked: [.seconds(5), .seconds(300), .seconds(1800), .seconds(7200), .seconds(18_000), .seconds(36_000), .seconds(36_000)]
    )

    /// Creates a schedule.
    /// - Throws: `invalid.argument` for a negative delay or a jitter outside 0...1.
    public init(delays: [Duration], jitter: Double = 0.1, maxRetryAfter: Duration = .seconds(36_000)) throws {
        guard delays.allSatisfy({ $0 >= .zero }) else { throw BillingError(.invalidArgument, "Retry delays cannot be negative", field: "delays") }
        guard (0...1).contains(jitter) else { throw BillingError(.invalidArgument, "The jitter must be between 0 and 1", field: "jitter") }
        self.init(unchecked: delays, jitter: jitter, maxRetryAfter: max(.zero, maxRetryAfter))
    }

    private init(unchecked delays: [Duration], jitter: Double = 0.1, maxRetryAfter: Duration = .seconds(36_000)) {
        self.delays = delays
        self.jitter = jitter
        self.maxRetryAfter = maxRetryAfter
    }

    /// Attempts in all, the first included.
    public var maxAttempts: Int { delays.count + 1 }

    /// The wait after failed attempt number `attempt` (1-based), or `nil` when that was the
    /// last: the schedule's delay, jittered, or the receiver's `Retry-After` (at most
    /// ``maxRetryAfter``) when that is longer.
    public func delay(afterAttempt attempt: Int, retryAfter: Duration? = nil, using generator: inout some RandomNumberGenerator) -> Duration? {
        guard attempt >= 1, attempt <= delays.count else { return nil }
        let planned = delays[attempt - 1]
        // Jitter in whole milliseconds, from an integer draw: no floating point in the result's units.
        let spread = Int64(Double(Self.milliseconds(planned)) * jitter)
        let jittered = planned + .milliseconds(spread > 0 ? Int64.random(in: -spread...spread, using: &generator) : 0)
        guard let retryAfter else { return jittered }
        return max(jittered, min(retryAfter, maxRetryAfter))
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
