import Logging
import Synchronization

/// Writes one subscription's progress, the cursor and the run of first attempts in
/// flight, through one writer task, so writes never overtake each other.
///
/// - Before a run of first attempts, ``beginRun(cursor:run:reach:)`` records the run
///   and waits for the write: if the process dies during the run, the next owner knows
///   which events may have taken it down. The recorded range reaches further than the
///   run (up to `reach`, sequences not even published yet), and a later run inside it
///   starts without a write: a backlog or a steady stream of events costs one waited
///   write per several batches, not one per batch (or per event).
/// - After a run, ``advance(cursor:)`` asks for the new cursor in the background, with
///   the recorded range kept while it reaches beyond the cursor: the delivery goes on at
///   once, requests coalesce, and background writes are at least
///   ``Configuration/cursorWriteInterval`` apart on the injected clock, so a trickle of
///   5,000 events/s costs a few hundred cursor writes a second, not 5,000. A run
///   that stops at a failed event advances the same way: the range stays recorded.
///
/// The stored cursor only ever covers events that settled; after a crash the events
/// since the last completed write are delivered again (at least once).
final class ProgressWriter: Sendable {
    struct Progress: Hashable, Sendable {
        var cursor: Int64
        var run: ClosedRange<Int64>?
    }

    private struct Waiter {
        let version: UInt64
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var desired: Progress
        /// Bumped at every change of `desired`.
        var version: UInt64 = 0
        var persistedVersion: UInt64 = 0
        var persisted: Progress
        var lease: SubscriptionLease?
        /// Someone waits: write now, without resting.
        var urgent = false
        var waiters: [Waiter] = []
    }

    private let name: String
    private let environment: DeliveryEnvironment
    private let state: Locked<State>
    private let work = WakeSignal()
    private let urgency = WakeSignal()

    init(name: String, cursor: Int64, environment: DeliveryEnvironment) {
        self.name = name
        self.environment = environment
        let progress = Progress(cursor: cursor, run: nil)
        state = Locked(State(desired: progress, persisted: progress))
    }

    /// The cursor of the last completed write.
    var persistedCursor: Int64 {
        state.withLock { $0.persisted.cursor }
    }

    /// Starts writing for a new lease, from the state read under it.
    func start(lease: SubscriptionLease, cursor: Int64, run: ClosedRange<Int64>?) {
        state.withLock { state in
            let progress = Progress(cursor: cursor, run: run)
            state.lease = lease
            state.desired = progress
            state.persisted = progress
            state.persistedVersion = state.version
        }
    }

    /// Records the run about to start and waits until it is stored, unless the stored
    /// range already covers it.
    /// - Parameter reach: how far the recorded range may extend beyond the run, for the
    ///   runs expected next; every event in it counts as suspect if the process dies.
    func beginRun(cursor: Int64, run: ClosedRange<Int64>, reach: Int64? = nil) async throws {
        let covering = state.withLock { state -> ClosedRange<Int64>? in
            guard let stored = state.persisted.run, state.desired.run == stored,
                  stored.lowerBound <= run.lowerBound, run.upperBound <= stored.upperBound
            else { return nil }
            return stored
        }
        if let covering {
            update(Progress(cursor: cursor, run: covering))
            return
        }
        let upper = max(run.upperBound, reach ?? run.upperBound)
        try await write(Progress(cursor: cursor, run: run.lowerBound...upper), wait: true)
    }

    /// Asks for `cursor` to be stored soon, keeping the recorded range while it reaches
    /// beyond the cursor; does not wait.
    func advance(cursor: Int64) {
        let run = state.withLock { state -> ClosedRange<Int64>? in
            guard let run = state.desired.run, run.upperBound > cursor else { return nil }
            return run
        }
        update(Progress(cursor: cursor, run: run))
    }

    /// Waits until everything asked for is stored.
    func flush() async throws {
        let current = state.withLock { $0.desired }
        try await write(current, wait: true)
    }

    private func write(_ progress: Progress, wait: Bool) async throws {
        let version = update(progress)
        guard wait else { return }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let done = state.withLock { state -> Bool in
                if state.persistedVersion >= version { return true }
                state.urgent = true
                state.waiters.append(Waiter(version: version, continuation: continuation))
                return false
            }
            if done {
                continuation.resume()
            } else {
                urgency.notify()
                work.notify()
            }
        }
    }

    @discardableResult
    private func update(_ progress: Progress) -> UInt64 {
        let version = state.withLock { state -> UInt64 in
            let merged = Progress(cursor: max(state.desired.cursor, progress.cursor), run: progress.run)
            if merged != state.desired {
                state.desired = merged
                state.version += 1
            }
            return state.version
        }
        work.notify()
        return version
    }

    /// The writer: runs as a child task of the subscription's session until cancelled.
    /// A lost lease ends it with `subscription.lease_lost` (the session then stops).
    func run() async throws {
        while !Task.isCancelled {
            let generation = work.generation
            guard let (progress, version, lease) = nextWrite() else {
                await work.wait(after: generation)
                continue
            }
            do {
                try await environment.store.saveProgress(cursor: progress.cursor, inFlightRun: progress.run, lease: lease, at: environment.wallClock.now())
                finish(version: version, progress: progress, error: nil)
            } catch {
                finish(version: version, progress: progress, error: error)
                if (error as? BillingError)?.code == .leaseLost { throw error }
                environment.logger.error(
                    "Durable subscription could not persist its cursor; will retry",
                    error: error, metadata: [LogKeys.subscription: "\(name)"]
                )
                try await environment.clock.sleep(for: environment.pollInterval)
                continue
            }
            // Rest before the next background write, unless someone waits for one.
            let interval = environment.cursorWriteInterval
            if interval > .zero, !state.withLock({ $0.urgent }) {
                let urgent = urgency.generation
                await urgency.wait(after: urgent, timeout: interval, clock: environment.clock)
            }
        }
    }

    private func nextWrite() -> (Progress, UInt64, SubscriptionLease)? {
        state.withLock { state in
            guard state.version > state.persistedVersion, let lease = state.lease else { return nil }
            return (state.desired, state.version, lease)
        }
    }

    private func finish(version: UInt64, progress: Progress, error: (any Error)?) {
        let ready = state.withLock { state -> [(CheckedContinuation<Void, any Error>, (any Error)?)] in
            if error == nil {
                state.persistedVersion = max(state.persistedVersion, version)
                state.persisted = progress
            }
            let done = state.waiters.filter { error != nil || $0.version <= state.persistedVersion }
            state.waiters.removeAll { error != nil || $0.version <= state.persistedVersion }
            state.urgent = !state.waiters.isEmpty
            return done.map { ($0.continuation, error) }
        }
        for (waiter, error) in ready {
            if let error { waiter.resume(throwing: error) } else { waiter.resume() }
        }
    }

    /// Stores the cursor with no run in flight, directly: the session is over and its
    /// writer task has ended.
    func writeFinal(lease: SubscriptionLease) async throws {
        let (progress, version) = state.withLock { ($0.desired, $0.version) }
        let final = Progress(cursor: progress.cursor, run: nil)
        guard final != state.withLock({ $0.persisted }) else { return }
        try await environment.store.saveProgress(cursor: final.cursor, inFlightRun: nil, lease: lease, at: environment.wallClock.now())
        finish(version: version, progress: final, error: nil)
    }

    /// Fails every waiter (the session ended without the write).
    func abandonWaiters(_ error: any Error) {
        let waiters = state.withLock { state -> [Waiter] in
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.continuation.resume(throwing: error) }
    }
}
