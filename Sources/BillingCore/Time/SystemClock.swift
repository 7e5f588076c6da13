/// The clock Bilingus waits on by default: `ContinuousClock`'s time, with sleeps whose
/// timers are freed the moment they are cancelled (see `CancellableSleep`, which works
/// around swiftlang/swift#60441).
///
/// Every component that waits (timeouts, retry backoff, polling, leases, health checks)
/// takes `any Clock<Duration>`; pass BillingTesting's `TestClock` in tests, or any other
/// clock. Time of day (event timestamps, dead-letter times, lease expiry) comes from a
/// ``WallClock`` instead, so no `Date` arithmetic is ever done on a waiting clock.
public struct SystemClock: Clock {
    public typealias Instant = ContinuousClock.Instant

    /// Creates the clock.
    public init() {}

    public var now: Instant { ContinuousClock.now }

    public var minimumResolution: Duration { ContinuousClock().minimumResolution }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try await CancellableSleep.sleep(for: deadline - .now)
    }
}

extension Clock where Self == SystemClock {
    /// The real clock, with timers freed on cancellation.
    public static var system: SystemClock { SystemClock() }
}
