import Dispatch
import Synchronization

/// A sleep whose timer is released the moment it is cancelled: the workaround for
/// swiftlang/swift#60441 (open as of Swift 6.3.1). Delete it when that issue is fixed.
///
/// `Task.sleep` on Linux keeps a cancelled sleep's timer — and the memory of the task
/// that slept — queued until the original deadline. Every durable delivery and every
/// isolated plugin call races its work against a timeout timer that is almost always
/// cancelled, so with `Task.sleep` a 30 s timeout kept ~700 bytes per delivery alive
/// for 30 s: hundreds of MiB while draining a backlog. A cancelled `DispatchSource`
/// timer is freed at once.
package enum CancellableSleep {
    package static func sleep(for duration: Duration) async throws {
        guard duration > .zero else {
            try Task.checkCancellation()
            return
        }
        let sleeper = Sleeper()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                sleeper.start(continuation, after: duration)
            }
        } onCancel: {
            sleeper.finish(throwing: CancellationError())
        }
    }

    /// Where timers fire; their handlers only resume a continuation.
    fileprivate static let queue = DispatchQueue(label: "billing.clock.sleep")
}

/// One sleep: resumed exactly once, by its timer or by cancellation, whichever comes first.
private final class Sleeper: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Void, any Error>?
        var timer: Timer?
        /// Cancelled before `start` ran: `start` resumes at once.
        var cancelled = false
    }

    /// Dispatch sources are thread-safe; the protocol just predates `Sendable`.
    private struct Timer: @unchecked Sendable {
        let source: any DispatchSourceTimer
    }

    private let state = Locked(State())

    func start(_ continuation: CheckedContinuation<Void, any Error>, after duration: Duration) {
        let source = DispatchSource.makeTimerSource(queue: CancellableSleep.queue)
        source.schedule(deadline: .now() + Self.interval(duration))
        source.setEventHandler { [self] in finish(throwing: nil) }
        let timer = Timer(source: source)
        let cancelled = state.withLock { state -> Bool in
            if state.cancelled { return true }
            state.continuation = continuation
            state.timer = timer
            return false
        }
        if cancelled {
            // A dispatch source must be activated before it is released, even a cancelled one.
            source.cancel()
            source.resume()
            continuation.resume(throwing: CancellationError())
        } else {
            source.resume()
        }
    }

    /// Resumes the sleeper (with `error`, or normally) and frees its timer.
    func finish(throwing error: (any Error)?) {
        let (continuation, timer) = state.withLock { state in
            defer {
                state.continuation = nil
                state.timer = nil
            }
            if state.continuation == nil, error != nil { state.cancelled = true }
            return (state.continuation, state.timer)
        }
        timer?.source.cancel()
        guard let continuation else { return }
        if let error {
            continuation.resume(throwing: error)
        } else {
            continuation.resume()
        }
    }

    private static func interval(_ duration: Duration) -> DispatchTimeInterval {
        let (seconds, attoseconds) = duration.components
        let (nanos, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow, nanos < Int64(Int.max) - 1_000_000_000 else { return .never }
        return .nanoseconds(Int(nanos + attoseconds / 1_000_000_000))
    }
}
