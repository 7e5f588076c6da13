import Synchronization

/// How one handler invocation ended.
enum HandlerOutcome: Sendable {
    case succeeded
    case failed(any Error)
    case timedOut
    /// The caller was cancelled first; the handler was cancelled and abandoned.
    case cancelled
}

/// Runs a handler so that neither its error nor its hang can reach the caller.
///
/// The handler runs in its own task, raced against a timer on the injected clock.
/// A child task of a task group would not do: a group waits for every child, so a
/// handler that ignores cancellation would hold the publisher forever. On timeout
/// the handler's task is cancelled and abandoned; if it ignores cancellation it
/// finishes on its own, and nothing waits for it.
enum IsolatedHandlerRunner {
    static func run(
        timeout: Duration?,
        clock: any BillingClock,
        _ operation: @escaping @Sendable () async throws -> Void
    ) async -> HandlerOutcome {
        guard let timeout else {
            // No deadline: run inline, which is cheapest, still catching errors.
            do {
                try await operation()
                return .succeeded
            } catch {
                return .failed(error)
            }
        }
        let gate = OutcomeGate()
        let work = Task {
            do {
                try await operation()
                gate.resolve(.succeeded)
            } catch {
                gate.resolve(.failed(error))
            }
        }
        let timer = Task {
            do {
                try await clock.sleep(for: timeout)
                gate.resolve(.timedOut)
            } catch {
                // Cancelled because the handler finished first.
            }
        }
        let outcome = await withTaskCancellationHandler {
            await gate.wait()
        } onCancel: {
            // The caller stops waiting now (a shutdown deadline, say); the handler is
            // told to stop and left to finish on its own.
            gate.resolve(.cancelled)
            work.cancel()
        }
        timer.cancel()
        switch outcome {
        case .timedOut, .cancelled: work.cancel()
        case .succeeded, .failed: break
        }
        return outcome
    }
}

/// A one-shot rendezvous: the first `resolve` wins and wakes the single waiter.
private final class OutcomeGate: Sendable {
    private struct State {
        var outcome: HandlerOutcome?
        var waiter: CheckedContinuation<HandlerOutcome, Never>?
    }

    private let state = Mutex(State())

    func resolve(_ outcome: HandlerOutcome) {
        let waiter = state.withLock { state -> CheckedContinuation<HandlerOutcome, Never>? in
            guard state.outcome == nil else { return nil }
            state.outcome = outcome
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: outcome)
    }

    func wait() async -> HandlerOutcome {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> HandlerOutcome? in
                if let outcome = state.outcome { return outcome }
                state.waiter = continuation
                return nil
            }
            if let ready {
                continuation.resume(returning: ready)
            }
        }
    }
}
