import Synchronization

/// A wake-up counter. A waiter first reads ``generation``, then looks for work, then
/// waits for a generation past the one it read: a notification that came before it
/// looked is not a reason to look again, and one that came after is never missed.
package final class WakeSignal: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextID = 0
    }

    private let state = Locked(State())

    package init() {}

    package var generation: UInt64 {
        state.withLock { $0.generation }
    }

    package func notify() {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.generation += 1
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in ready { waiter.resume() }
    }

    /// Returns once the generation has moved past `generation` (at once if it has), or on cancellation.
    package func wait(after generation: UInt64) async {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.generation > generation || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }

    /// Waits for a generation past `generation`, or for `timeout` on `clock`, whichever comes first.
    package func wait<C: Clock<Duration>>(after generation: UInt64, timeout: Duration, clock: C) async {
        _ = await withDeadline(timeout, clock: clock) { await self.wait(after: generation) }
    }
}
