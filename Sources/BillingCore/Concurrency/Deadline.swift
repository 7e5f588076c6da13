/// How ``withDeadline(_:clock:_:)`` ended.
package enum DeadlineResult<Value: Sendable>: Sendable {
    /// The operation finished first.
    case completed(Value)
    /// The deadline passed first; the operation was cancelled.
    case timedOut
}

/// Runs `operation` until it returns or `timeout` passes on `clock`, whichever comes
/// first; the loser is cancelled. The one "race X against a sleep" of Bilingus.
///
/// Both run as child tasks, so `operation` must return soon after it is cancelled (the
/// waits it is used for do). A handler that may hang without honouring cancellation
/// goes through ``DeliveryRunner`` instead, which can abandon it.
/// If the calling task is cancelled, the operation is cancelled and its result returned.
package func withDeadline<Value: Sendable, C: Clock<Duration>>(
    _ timeout: Duration,
    clock: C,
    _ operation: @escaping @Sendable () async -> Value
) async -> DeadlineResult<Value> {
    await withTaskGroup(of: DeadlineResult<Value>?.self) { group in
        group.addTask { .completed(await operation()) }
        group.addTask {
            do {
                try await clock.sleep(for: timeout)
                return .timedOut
            } catch {
                return nil  // cancelled: the operation finished first, or the caller was cancelled
            }
        }
        var outcome: DeadlineResult<Value>?
        while outcome == nil, let next = await group.next() {
            outcome = next
            group.cancelAll()
        }
        return outcome ?? .timedOut
    }
}

/// Sleeps `duration` on `clock` unless `stop` fires first; returns whether it slept fully.
package func sleep<C: Clock<Duration>>(for duration: Duration, clock: C, unless stop: OneShot<Void>) async -> Bool {
    if stop.isResolved { return false }
    guard duration > .zero else { return !Task.isCancelled }
    let result = await withDeadline(duration, clock: clock) { await stop.wait() }
    if case .timedOut = result { return !stop.isResolved && !Task.isCancelled }
    return false
}
