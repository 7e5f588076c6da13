import Logging
import Synchronization

/// Writes a subscription's cursor in the background; the latest value wins.
///
/// Waiting for the cursor write after every batch put a write transaction between a
/// live event and the next one, and doubled the writer's load under a steady trickle
/// of publishes (a batch per event). Now the worker never waits, values requested while
/// a write is running or resting are coalesced into the next write, and background
/// writes are at least ``spacing`` apart (real time), so a trickle of 5,000 events/s
/// costs some 200 cursor writes a second instead of 5,000. ``flush()`` writes at once.
/// Only handled events are ever requested, so the stored cursor is never ahead of
/// them; after a crash the events handled since the last completed write — a few
/// milliseconds' worth, or one batch — are delivered again (at least once).
final class CursorPersister: Sendable {
    private struct State {
        var requested: Int64
        var persisted: Int64
        var writing = false
        var lastError: (any Error)?
        var waiters: [CheckedContinuation<Void, Never>] = []
        /// When the last background write ended, for the spacing.
        var lastWrite: ContinuousClock.Instant?
        /// A flush is waiting: write now, without resting.
        var urgent = false
    }

    /// The least time between two background writes.
    static let spacing: Duration = .milliseconds(5)

    private let state: Mutex<State>
    private let write: @Sendable (Int64) async throws -> Void
    private let logger: Logger

    /// - Parameters:
    ///   - persisted: the cursor as stored now.
    ///   - write: stores a cursor (forward only).
    init(persisted: Int64, logger: Logger, write: @escaping @Sendable (Int64) async throws -> Void) {
        state = Mutex(State(requested: persisted, persisted: persisted))
        self.write = write
        self.logger = logger
    }

    /// Asks for `sequence` to be stored, without waiting for it.
    func request(_ sequence: Int64) {
        let start = state.withLock { state -> Bool in
            state.requested = max(state.requested, sequence)
            guard !state.writing, state.requested > state.persisted else { return false }
            state.writing = true
            return true
        }
        if start {
            Task { await self.writeUntilCurrent() }
        }
    }

    /// Forgets requests above `sequence` after an operator moved the cursor there
    /// (call it after ``flush()``, so no write is running).
    func reset(to sequence: Int64) {
        state.withLock { state in
            state.requested = sequence
            state.persisted = sequence
        }
    }

    /// Waits until every requested cursor is stored.
    /// - Throws: the storage error of the last write, if it failed.
    func flush() async throws {
        while true {
            let (done, start) = state.withLock { state -> (Bool, Bool) in
                if state.requested <= state.persisted { return (true, false) }
                state.urgent = true
                if state.writing { return (false, false) }
                state.writing = true
                return (false, true)
            }
            if done { return }
            if start {
                await writeUntilCurrent()
            } else {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let ready = state.withLock { state -> Bool in
                        guard state.writing else { return true }
                        state.waiters.append(continuation)
                        return false
                    }
                    if ready { continuation.resume() }
                }
            }
            if let error = state.withLock({ $0.requested > $0.persisted ? $0.lastError : nil }) {
                throw error
            }
        }
    }

    /// Writes the latest requested cursor until none is newer; on a storage error,
    /// stops (the next request or flush tries again). The caller set `writing`.
    private func writeUntilCurrent() async {
        while true {
            // Rest until `spacing` after the last write, unless a flush waits; requests
            // arriving meanwhile join this write.
            let rest = state.withLock { state -> Duration? in
                guard !state.urgent, let last = state.lastWrite else { return nil }
                let remaining = Self.spacing - (ContinuousClock.now - last)
                return remaining > .zero ? remaining : nil
            }
            if let rest {
                try? await CancellableSleep.sleep(for: rest)
            }
            let target = state.withLock { state -> Int64? in
                state.requested > state.persisted ? state.requested : nil
            }
            guard let target else { break }
            do {
                try await write(target)
                state.withLock { state in
                    state.persisted = max(state.persisted, target)
                    state.lastError = nil
                    state.lastWrite = .now
                }
            } catch {
                logger.error("Durable subscription could not persist its cursor; will retry", metadata: ["error": "\(error)"])
                state.withLock { $0.lastError = error }
                break
            }
        }
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.writing = false
            state.urgent = false
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
