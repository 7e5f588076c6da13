import Synchronization

/// A value set once and awaited by any number of tasks: the first ``resolve(_:)``
/// wins, every waiter (current and later) gets that value.
///
/// Used for "how did this run end" (the delivery runner), "the engine has started"
/// and "stop now" signals.
package final class OneShot<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var waiters: [Int: CheckedContinuation<Value?, Never>] = [:]
        var nextID = 0
    }

    private let state = Locked(State())

    package init() {}

    /// The value, if resolved.
    package var value: Value? {
        state.withLock { $0.value }
    }

    package var isResolved: Bool {
        state.withLock { $0.value != nil }
    }

    /// Sets the value if none is set yet; returns whether this call set it.
    @discardableResult
    package func resolve(_ value: Value) -> Bool {
        let waiters = state.withLock { state -> [CheckedContinuation<Value?, Never>]? in
            guard state.value == nil else { return nil }
            state.value = value
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        guard let waiters else { return false }
        for waiter in waiters { waiter.resume(returning: value) }
        return true
    }

    /// Waits for the value; `nil` if the waiting task is cancelled first.
    package func wait() async -> Value? {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Value?, Never>) in
                let ready = state.withLock { state -> Value?? in
                    if let value = state.value { return .some(value) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiters[id] = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(returning: nil)
        }
    }
}

extension OneShot where Value == Void {
    /// Fires the signal.
    @discardableResult
    package func fire() -> Bool { resolve(()) }
}
