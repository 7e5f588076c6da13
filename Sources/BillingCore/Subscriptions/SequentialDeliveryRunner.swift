import Foundation
import Synchronization

/// How a run of first delivery attempts ended.
enum DeliveryRunOutcome: Sendable {
    /// Every event's handler returned.
    case completed
    /// Event `index` did not succeed — its handler threw or timed out, or the run was
    /// cut off before or during it (`cancelled`). Every earlier event succeeded.
    case stopped(at: Int, HandlerOutcome)
}

/// Runs the first delivery attempt of consecutive events in one task, with a
/// per-delivery timeout kept by one watchdog for the whole run.
///
/// Isolating every delivery in a task of its own, raced against a timer of its own
/// (``IsolatedHandlerRunner``), costs two tasks, a timer and a context switch per
/// event: more than a fast handler itself, and the bulk of draining a backlog. Here
/// the run's task calls the handler for one event after another; the watchdog sleeps
/// until the current delivery's deadline, and on waking either finds that delivery
/// still running (a timeout: the run's task is cancelled and abandoned, as a timed-out
/// call always is) or re-arms for the delivery now current. Semantics match the
/// per-delivery runner: errors and hangs never reach the caller, and each delivery
/// gets the full timeout.
enum SequentialDeliveryRunner {
    /// - Parameters:
    ///   - count: events in the run; `deliver` gets indices `0..<count`.
    ///   - shouldStart: asked before each event; `false` ends the run there (`cancelled`).
    static func run(
        count: Int,
        timeout: Duration,
        clock: any BillingClock,
        shouldStart: @escaping @Sendable () -> Bool,
        deliver: @escaping @Sendable (Int) async throws -> Void
    ) async -> DeliveryRunOutcome {
        guard count > 0 else { return .completed }
        guard shouldStart() else { return .stopped(at: 0, .cancelled) }
        let run = RunState(startedAt: clock.now())
        let work = Task {
            var index = 0
            while true {
                do {
                    try await deliver(index)
                } catch {
                    run.resolve(.stopped(at: index, .failed(error)))
                    return
                }
                index += 1
                guard index < count else {
                    run.resolve(.completed)
                    return
                }
                guard shouldStart() else {
                    run.resolve(.stopped(at: index, .cancelled))
                    return
                }
                // Resolved meanwhile (a timeout, the caller cancelled): stop claiming.
                guard run.begin(index, at: clock.now()) else { return }
            }
        }
        let watchdog = Task {
            var armed = run.current
            while !armed.resolved {
                let elapsed = clock.now().timeIntervalSince(armed.startedAt)
                let remaining = timeout - .nanoseconds(Int64((elapsed * 1e9).rounded()))
                // Sub-millisecond rests are rounding, not time left (and a test clock would wait for them).
                if remaining > .milliseconds(1) {
                    do {
                        try await clock.sleep(for: remaining)
                    } catch {
                        return  // the run ended first
                    }
                }
                if run.timeOut(ifStill: armed.generation) { return }
                armed = run.current
            }
        }
        let outcome = await withTaskCancellationHandler {
            await run.wait()
        } onCancel: {
            // The caller stops waiting (a shutdown deadline, say); the delivery in hand
            // is told to stop and left to finish on its own.
            run.resolveCurrent(.cancelled)
            work.cancel()
        }
        watchdog.cancel()
        if case .stopped(_, let stop) = outcome {
            switch stop {
            case .timedOut, .cancelled: work.cancel()
            case .succeeded, .failed: break
            }
        }
        return outcome
    }
}

/// The run's shared state: which delivery is current, and the one-shot outcome.
private final class RunState: Sendable {
    struct Current {
        var index: Int
        /// Bumped for every delivery, so the watchdog can tell "still the same one".
        var generation: UInt64
        var startedAt: Date
        var resolved: Bool
    }

    private let state: Mutex<Current>
    private let outcome = OutcomeGate<DeliveryRunOutcome>()

    init(startedAt: Date) {
        state = Mutex(Current(index: 0, generation: 0, startedAt: startedAt, resolved: false))
    }

    var current: Current {
        state.withLock { $0 }
    }

    /// Starts delivery `index`; `false` if the run already ended.
    func begin(_ index: Int, at date: Date) -> Bool {
        state.withLock { current in
            guard !current.resolved else { return false }
            current.index = index
            current.generation &+= 1
            current.startedAt = date
            return true
        }
    }

    /// Ends the run at the current delivery with `outcome`.
    func resolveCurrent(_ outcome: HandlerOutcome) {
        resolve { .stopped(at: $0.index, outcome) }
    }

    /// Ends the run with a timeout if delivery `generation` is still the current one
    /// (checked and resolved in one step, so a delivery that just returned never
    /// counts as timed out). Returns whether the run has ended.
    func timeOut(ifStill generation: UInt64) -> Bool {
        resolve { $0.generation == generation ? .stopped(at: $0.index, .timedOut) : nil }
        return current.resolved
    }

    /// The first outcome wins and wakes the waiter.
    func resolve(_ outcome: DeliveryRunOutcome) {
        resolve { _ in outcome }
    }

    func wait() async -> DeliveryRunOutcome {
        await outcome.wait()
    }

    /// Decides the outcome from the current delivery, under the lock that `begin` takes.
    private func resolve(_ decide: (Current) -> DeliveryRunOutcome?) {
        let decided = state.withLock { current -> DeliveryRunOutcome? in
            guard !current.resolved, let outcome = decide(current) else { return nil }
            current.resolved = true
            return outcome
        }
        if let decided { outcome.resolve(decided) }
    }
}
