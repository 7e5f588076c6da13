import Synchronization

/// How an isolated call ended.
enum IsolatedOutcome<Value: Sendable>: Sendable {
    case succeeded(Value)
    case failed(any Error)
    case timedOut
    /// The caller was cancelled first; the call was cancelled and abandoned.
    case cancelled
}

/// How one inline handler invocation ended.
typealias HandlerOutcome = IsolatedOutcome<Void>

/// Runs a handler (or a plugin call) so that neither its error nor its hang can
/// reach the caller.
///
/// The work runs in its own task, raced against a timer on the injected clock.
/// A child task of a task group would not do: a group waits for every child, so a
/// handler that ignores cancellation would hold the caller forever. On timeout
/// the work's task is cancelled and abandoned; if it ignores cancellation it
/// finishes on its own, and nothing waits for it.
enum IsolatedHandlerRunner {
    static func run<Value: Sendable>(
        timeout: Duration?,
        clock: any BillingClock,
        _ operation: @escaping @Sendable () async throws -> Value
    ) async -> IsolatedOutcome<Value> {
        guard let timeout else {
            // No deadline: run inline, which is cheapest, still catching errors.
            do {
                return .succeeded(try await operation())
            } catch {
                return .failed(error)
            }
        }
        let gate = OutcomeGate<IsolatedOutcome<Value>>()
        let work = Task {
            do {
                gate.resolve(.succeeded(try await operation()))
            } catch {
                gate.resolve(.failed(error))
            }
        }
        let timer = Task {
            do {
                try await clock.sleep(for: timeout)
                gate.resolve(.timedOut)
            } catch {
                // Cancelled because the work finished first.
            }
        }
        let outcome = await withTaskCancellationHandler {
            await gate.wait()
        } onCancel: {
            // The caller stops waiting now (a shutdown deadline, say); the work is
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
