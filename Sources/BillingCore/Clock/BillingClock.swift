public import Foundation

/// The source of time for everything in Bilingus that waits or stamps.
///
/// Inject one instead of sleeping: BillingTesting's `TestClock` makes handler
/// timeouts, retries and backoff deterministic in tests, with no real waiting.
public protocol BillingClock: Sendable {
    /// The current wall-clock time.
    func now() -> Date
    /// Suspends for `duration` of this clock's time.
    /// - Throws: `CancellationError` if the task is cancelled first.
    func sleep(for duration: Duration) async throws
}

/// The real clock: `Date()`, and sleeps whose timers are freed as soon as they are
/// cancelled (unlike `Task.sleep` on Linux, which keeps them until their deadline).
public struct SystemClock: BillingClock {
    /// Creates the system clock.
    public init() {}

    public func now() -> Date { Date() }

    public func sleep(for duration: Duration) async throws {
        try await CancellableSleep.sleep(for: duration)
    }
}

extension BillingClock where Self == SystemClock {
    /// The real clock.
    public static var system: SystemClock { SystemClock() }
}
