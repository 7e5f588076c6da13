public import Foundation

/// Where Bilingus reads the time of day: event timestamps, dead-letter and attempt
/// times, lease expiry, plugin-state expiry.
///
/// It is kept apart from the `Clock` that timeouts and backoff wait on: a wall clock
/// can jump (NTP, an operator), and a timeout must not. BillingTesting's `TestClock`
/// offers a wall clock that moves with it (`testClock.wallClock`).
public struct WallClock: Sendable {
    private let read: @Sendable () -> Date

    /// A wall clock that reads `now`.
    public init(_ now: @escaping @Sendable () -> Date) {
        read = now
    }

    /// The current time of day.
    public func now() -> Date {
        read()
    }

    /// The system's time of day, `Date()`.
    public static let system = WallClock { Date() }
}
