import Synchronization

/// How an isolated call ended.
package enum IsolatedResult<Value: Sendable>: Sendable {
    /// The operation returned.
    case returned(Value)
    /// The operation threw.
    case threw(any Error)
    /// The operation overran its timeout; it was cancelled and abandoned.
    case timedOut
    /// The operation never started (the run was told to stop), or the caller was
    /// cancelled first; what was running was cancelled and abandoned.
    case cancelled
}

/// How a run of operations ended: the first `completed` returned, in order; `end` is
/// how the next one ended (`.returned` when all of them did).
package struct RunResult: Sendable {
    package let completed: Int
    package let end: IsolatedResult<Void>
}

/// The one primitive that runs handler code with a deadline, so that neither its error
/// nor its hang can reach the caller: inline event handlers, durable deliveries, plugin
/// calls, `initialize`, `shutdown` and health checks all go through it.
///
/// A run calls `operation(0)`, `operation(1)`, … one after another in one task, and a
/// watchdog (a child task) sleeps until the current operation's deadline: on waking it
/// either finds that operation still running (a timeout: the task is cancelled and
/// abandoned) or re-arms for the one now current. So a run of first deliveries costs
/// one task, one timer and a few lock operations per event, not a task and a timer per
/// event, and each operation still gets the full `timeout`.
///
/// The operations run in an unstructured task on purpose: a child task would make the
/// caller wait for a hung handler that ignores cancellation. An abandoned task finishes
/// on its own; nothing waits for it.
package enum DeliveryRunner {
    /// Runs `operation` for indices `0..<count` until one does not return.
    /// - Parameters:
    ///   - timeout: each operation's deadline; `nil` runs inline, without one (cheapest).
    ///   - shouldStart: asked before each operation after the first; `false` ends the
    ///     run there with `.cancelled`.
    package static func run<C: Clock<Duration>>(
        count: Int,
        timeout: Duration?,
        clock: C,
        shouldStart: @escaping @Sendable () -> Bool = { true },
        _ operation: @escaping @Sendable (Int) async throws -> Void
    ) async -> RunResult {
        // Callers hold `any Clock`; the real clock gets code specialized for it, which
        // reads the time per operation without generic indirection.
        if let system = clock as? SystemClock {
            return await runOn(count: count, timeout: timeout, clock: system, shouldStart: shouldStart, operation)
        }
        return await runOn(count: count, timeout: timeout, clock: clock, shouldStart: shouldStart, operation)
    }

    private static func runOn<C: Clock<Duration>>(
        count: Int,
        timeout: Duration?,
        clock: C,
        shouldStart: @escaping @Sendable () -> Bool,
        _ operation: @escaping @Sendable (Int) async throws -> Void
    ) async -> RunResult {
        guard count > 0 else { return RunResult(completed: 0, end: .returned(())) }
        guard let timeout else {
            for index in 0..<count {
                if index > 0, !shouldStart() { return RunResult(completed: index, end: .cancelled) }
                do {
                    try await operation(index)
                } catch {
                    return RunResult(completed: index, end: .threw(error))
                }
            }
            return RunResult(completed: count, end: .returned(()))
        }
        let run = RunState(startedAt: clock.now)
        let work = Task {
            var index = 0
            while true {
                do {
                    try await operation(index)
                } catch {
                    run.resolve(RunResult(completed: index, end: .threw(error)))
                    return
                }
                index += 1
                guard index < count else {
                    run.resolve(RunResult(completed: count, end: .returned(())))
                    return
                }
                guard shouldStart() else {
                    run.resolve(RunResult(completed: index, end: .cancelled))
                    return
                }
                // Resolved meanwhile (a timeout, the caller cancelled): stop claiming.
                guard run.begin(index, at: clock.now) else { return }
            }
        }
        let result = await withTaskCancellationHandler {
            await withTaskGroup(of: Void.self) { group -> RunResult in
                group.addTask { await watch(run, timeout: timeout, clock: clock) }
                let result = await run.outcome.wait() ?? RunResult(completed: run.current.index, end: .cancelled)
                group.cancelAll()
                return result
            }
        } onCancel: {
            // The caller stops waiting (a shutdown deadline, say): the operation in hand
            // is told to stop and left to finish on its own.
            run.resolveCurrent(.cancelled)
            work.cancel()
        }
        switch result.end {
        case .timedOut, .cancelled: work.cancel()
        case .returned, .threw: break
        }
        return result
    }

    /// Runs one operation with a deadline and returns its value.
    package static func call<Value: Sendable, C: Clock<Duration>>(
        timeout: Duration?,
        clock: C,
        _ operation: @escaping @Sendable () async throws -> Value
    ) async -> IsolatedResult<Value> {
        let value = Locked<Value?>(nil)
        let result = await run(count: 1, timeout: timeout, clock: clock) { _ in
            let returned = try await operation()
            value.withLock { $0 = returned }
        }
        switch result.end {
        case .returned:
            guard let returned = value.withLock({ $0 }) else { return .cancelled }
            return .returned(returned)
        case .threw(let error): return .threw(error)
        case .timedOut: return .timedOut
        case .cancelled: return .cancelled
        }
    }

    /// Sleeps until the current operation's deadline; times it out if it is still the
    /// same operation, otherwise re-arms for the one now current.
    private static func watch<C: Clock<Duration>>(_ run: RunState<C.Instant>, timeout: Duration, clock: C) async {
        var armed = run.current
        while !armed.resolved {
            do {
                try await clock.sleep(until: armed.startedAt.advanced(by: timeout), tolerance: nil)
            } catch {
                return  // the run ended first
            }
            if run.timeOut(ifStill: armed.generation) { return }
            armed = run.current
        }
    }
}

/// A run's shared state: which operation is current, and the one-shot outcome.
private final class RunState<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    struct Current: Sendable {
        var index = 0
        /// Bumped for every operation, so the watchdog can tell "still the same one".
        var generation: UInt64 = 0
        var startedAt: Instant
        var resolved = false
    }

    private let state: Locked<Current>
    let outcome = OneShot<RunResult>()

    init(startedAt: Instant) {
        state = Locked(Current(startedAt: startedAt))
    }

    var current: Current {
        state.withLock { $0 }
    }

    /// Starts operation `index`; `false` if the run already ended.
    func begin(_ index: Int, at instant: Instant) -> Bool {
        state.withLock { current in
            guard !current.resolved else { return false }
            current.index = index
            current.generation &+= 1
            current.startedAt = instant
            return true
        }
    }

    /// Ends the run at the current operation.
    func resolveCurrent(_ end: IsolatedResult<Void>) {
        resolve { RunResult(completed: $0.index, end: end) }
    }

    /// Ends the run with a timeout if operation `generation` is still current (checked
    /// and resolved in one step, so an operation that just returned never counts as
    /// timed out). Returns whether the run has ended.
    func timeOut(ifStill generation: UInt64) -> Bool {
        resolve { $0.generation == generation ? RunResult(completed: $0.index, end: .timedOut) : nil }
        return current.resolved
    }

    /// The first outcome wins.
    func resolve(_ result: RunResult) {
        resolve { _ in result }
    }

    private func resolve(_ decide: (Current) -> RunResult?) {
        let decided = state.withLock { current -> RunResult? in
            guard !current.resolved, let result = decide(current) else { return nil }
            current.resolved = true
            return result
        }
        if let decided { outcome.resolve(decided) }
    }
}
