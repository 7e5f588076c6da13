import BillingCore
import BillingTesting
import Synchronization

/// Collects what handlers saw, safely from any task, and lets a test wait for a count.
final class Recorder<Value: Sendable>: Sendable {
    private struct State {
        var values: [Value] = []
        var waiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Locked(State())

    func record(_ value: Value) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.values.append(value)
            let ready = state.waiters.filter { $0.count <= state.values.count }.map(\.continuation)
            state.waiters.removeAll { $0.count <= state.values.count }
            return ready
        }
        for continuation in ready { continuation.resume() }
    }

    var values: [Value] {
        state.withLock { $0.values }
    }

    var count: Int {
        state.withLock { $0.values.count }
    }

    /// Suspends until at least `count` values were recorded.
    func waitFor(_ count: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if state.values.count >= count { return true }
                state.waiters.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }
}

/// A latch that handlers wait on until the test opens it. Waiting ignores
/// cancellation on purpose: it models a handler that hangs and will not stop.
final class Gate: Sendable {
    private struct State {
        var open = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Locked(State())

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let isOpen = state.withLock { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if isOpen { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.open = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// A flag set once, read from anywhere.
final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .sequentiallyConsistent) }
    var isSet: Bool { value.load(ordering: .sequentiallyConsistent) }
}

struct HandlerFailure: Error, CustomStringConvertible {
    var description: String { "handler failed on purpose" }
}

/// The test target's name for the kit's seeded generator.
typealias SplitMix64 = SeededRandomNumberGenerator
