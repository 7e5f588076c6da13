/// Elapsed time on an injected clock, as a `Duration` since the stopwatch was made:
/// lets a type that is not generic over its clock keep deadlines (a quarantine's end)
/// on that clock, with no `Date` arithmetic.
package struct Stopwatch: Sendable {
    private let read: @Sendable () -> Duration

    package init<C: Clock<Duration>>(clock: C) {
        let start = clock.now
        read = { start.duration(to: clock.now) }
    }

    /// Time elapsed since the stopwatch was made.
    package var elapsed: Duration { read() }
}
