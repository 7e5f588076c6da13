/// How one attempt at a Stripe request ended.
enum StripeAttemptOutcome: Sendable, Equatable {
    /// A connect or read timeout, a reset or a refusal: the request may or may not have run.
    case connectionFailed
    /// Stripe answered; `shouldRetry` and `retryAfter` are its `Stripe-Should-Retry` and
    /// `Retry-After` headers, parsed (`nil` when absent or unreadable).
    case response(status: Int, shouldRetry: Bool?, retryAfter: Duration?)
}

/// What to do after an attempt.
enum StripeRetryDecision: Sendable, Equatable {
    /// Send the same request again, with the same `Idempotency-Key`, after this delay.
    case retry(after: Duration)
    /// Report the outcome as it is.
    case stop
}

/// When, and how long after, a Stripe request is retried. Every retry reuses the attempt's
/// `Idempotency-Key`, so a retried POST never runs twice at Stripe.
///
/// The rules follow Stripe's SDKs (stripe-node `RequestSender._shouldRetry`, stripe-python
/// `_should_retry` and `_sleep_time_seconds`):
/// 1. Stop once `attempt > maxRetries` (the first attempt plus `maxRetries` retries).
/// 2. A success (2xx) is final.
/// 3. `Stripe-Should-Retry` decides when present: `true` retries even a 400, `false` stops
///    even a 500 or 409.
/// 4. Otherwise retry connection failures, 409 (a conflict, such as a lock on the object),
///    429 and every status ≥ 500; never another 4xx, nor a 3xx.
/// 5. Delay: `initialDelay` doubling per attempt, capped at `maxDelay` (0.5, 1, 2, 4, 5, 5 s…),
///    then jittered uniformly in [delay / 2, delay] and never below `initialDelay`, as stripe-node
///    and stripe-python do. Full-range jitter spreads clients that failed together; the floor
///    keeps the first retry from hitting a struggling API at once. (stripe-go jitters within
///    [75 %, 100 %]; the wider band spreads a burst more for the same ceiling.)
/// 6. A `Retry-After` raises the delay to at least its value (the SDKs' "never sleep less than
///    the time the API asks us to wait"). One above `maxRetryAfter` stops instead: the SDKs
///    ignore such an ask and retry early, but a payment call is not held for minutes, and
///    retrying sooner than asked only meets the same refusal.
struct StripeRetryPolicy: Sendable, Equatable {
    /// Retries after the first attempt.
    var maxRetries: Int = 2
    /// The delay before the first retry.
    var initialDelay: Duration = .milliseconds(500)
    /// The longest computed delay.
    var maxDelay: Duration = .seconds(5)
    /// The longest `Retry-After` that is waited for; a longer one stops the retries.
    var maxRetryAfter: Duration = .seconds(60)

    init(
        maxRetries: Int = 2,
        initialDelay: Duration = .milliseconds(500),
        maxDelay: Duration = .seconds(5),
        maxRetryAfter: Duration = .seconds(60)
    ) {
        self.maxRetries = maxRetries
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    /// Whether, and after how long, to retry after `attempt` (1-based: the attempt that just ended).
    func decision(afterAttempt attempt: Int, outcome: StripeAttemptOutcome, using generator: inout some RandomNumberGenerator) -> StripeRetryDecision {
        guard attempt <= maxRetries, Self.isRetryable(outcome) else {
            return .stop
        }
        var delay = jitteredDelay(afterAttempt: attempt, using: &generator)
        if case .response(_, _, let retryAfter?) = outcome {
            guard retryAfter <= maxRetryAfter else {
                return .stop
            }
            delay = max(delay, retryAfter)
        }
        return .retry(after: delay)
    }

    /// Rules 2 to 4: whether this outcome is worth another attempt at all.
    static func isRetryable(_ outcome: StripeAttemptOutcome) -> Bool {
        switch outcome {
        case .connectionFailed:
            return true
        case .response(let status, let shouldRetry, _):
            if (200..<300).contains(status) {
                return false
            }
            if let shouldRetry {
                return shouldRetry
            }
            return status == 409 || status == 429 || status >= 500
        }
    }

    /// The doubled delay for `attempt`, capped at `maxDelay`, jittered in [delay / 2, delay],
    /// and never below `initialDelay` (nor above `maxDelay`).
    func jitteredDelay(afterAttempt attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let ceiling = max(maxDelay, .zero)
        let floor = min(max(initialDelay, .zero), ceiling)
        var delay = floor
        var doublings = max(attempt, 1) - 1
        while doublings > 0, delay < ceiling {
            delay = delay * 2
            doublings -= 1
        }
        delay = min(delay, ceiling)
        let full = Self.nanoseconds(delay)
        let jittered = Duration.nanoseconds(Int64.random(in: (full / 2)...full, using: &generator))
        return max(jittered, floor)
    }

    /// Reads `Stripe-Should-Retry`: `true` or `false` (any case, surrounding spaces allowed), else `nil`.
    static func shouldRetry(header: String?) -> Bool? {
        switch header?.trimmingSpaces.lowercased() {
        case "true": true
        case "false": false
        default: nil
        }
    }

    /// Reads `Retry-After` given in whole or decimal seconds (`2`, `1.5`); `nil` for anything
    /// else, including the HTTP-date form, which Stripe does not send. Digits beyond
    /// nanoseconds are dropped; absurdly large values saturate (and then exceed `maxRetryAfter`).
    static func retryAfter(header: String?) -> Duration? {
        guard let text = header?.trimmingSpaces, !text.isEmpty else {
            return nil
        }
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count > 1 ? parts[1] : ""
        let isDigits: (Substring) -> Bool = { $0.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) } }
        guard !whole.isEmpty, isDigits(whole), isDigits(fraction), parts.count == 1 || !fraction.isEmpty else {
            return nil
        }
        let seconds = Int64(whole.count > 12 ? String(repeating: "9", count: 12) : String(whole)) ?? 0
        let nanoDigits = String(fraction.prefix(9))
        let nanos = (Int64(nanoDigits) ?? 0) * Self.powerOfTen(9 - nanoDigits.count)
        return .seconds(seconds) + .nanoseconds(nanos)
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? Int64.max : scaled.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }

    private static func powerOfTen(_ exponent: Int) -> Int64 {
        var result: Int64 = 1
        for _ in 0..<max(exponent, 0) {
            result *= 10
        }
        return result
    }
}

extension String {
    /// Without leading and trailing spaces and tabs (header values may carry them).
    fileprivate var trimmingSpaces: String {
        var view = Substring(self)
        while let first = view.first, first == " " || first == "\t" {
            view.removeFirst()
        }
        while let last = view.last, last == " " || last == "\t" {
            view.removeLast()
        }
        return String(view)
    }
}
