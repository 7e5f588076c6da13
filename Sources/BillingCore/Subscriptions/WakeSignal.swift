import Synchronization

/// A wake-up counter. A waiter first reads ``generation``, then looks for work, then
/// waits for a generation past the one it read: a notification that came before it
/// looked is not a reason to look again, and one that came after is never missed.
final class WakeSignal: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var waiters: [Int: (after: UInt64, continuation: CheckedContinuation<Void, Never>)] = [:]
        var nextID = 0
    }

    private let state = Mutex(State())

    var generation: UInt64 {
        state.withLock { $0.generation }
    }

    func notify() {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.generation += 1
            defer { state.waiters.removeAll() }
            return state.waiters.values.map(\.continuation)
        }
        for waiter in ready { waiter.resume() }
    }

    /// Returns once the generation has moved past `generation` (at once if it has), or on cancellation.
    func wait(after generation: UInt64) async {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.generation > generation || Task.isCancelled { return true }
                    state.waiters[id] = (generation, continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.continuation.resume()
        }
    }

    /// Waits for a generation past `generation`, or for `timeout` on `clock`, whichever comes first.
    func wait(after generation: UInt64, timeout: Duration, clock: any BillingClock) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.wait(after: generation) }
            group.addTask { try? await clock.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }
}
