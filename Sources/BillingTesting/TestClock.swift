public import BillingCore
public import Foundation
import Synchronization

/// A `Clock` that moves only when a test tells it to, with a wall clock that moves with it.
///
/// Inject it wherever Bilingus takes a clock (handler and delivery timeouts, retries and
/// backoff, polling, leases, quarantines, health checks), and its ``wallClock`` wherever
/// Bilingus takes a `WallClock` (timestamps, attempt times, lease expiry). Sleepers
/// resume when ``advance(by:)`` moves the clock past their deadline, so tests never
/// wait in real time.
///
/// ```swift
/// let clock = TestClock()
/// let bus = EventBus(store: InMemoryEventStore(), clock: clock, wallClock: clock.wallClock)
/// // ... start something that sleeps for 5 s ...
/// await clock.waitForSleepers(1)
/// clock.advance(by: .seconds(5))
/// ```
public final class TestClock: Clock, Sendable {
    /// A point on the test clock: the time advanced since it was made.
    public struct Instant: InstantProtocol, Sendable {
        /// Time advanced since the clock was made.
        public let offset: Duration

        public init(offset: Duration) {
            self.offset = offset
        }

        public func advanced(by duration: Duration) -> Instant {
            Instant(offset: offset + duration)
        }

        public func duration(to other: Instant) -> Duration {
            other.offset - offset
        }

        public static func < (lhs: Instant, rhs: Instant) -> Bool {
            lhs.offset < rhs.offset
        }
    }

    private struct Sleeper {
        let id: Int
        let deadline: Duration
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var elapsed: Duration = .zero
        var nextID = 0
        var sleepers: [Sleeper] = []
        var cancelled: Set<Int> = []
        var sleeperWatchers: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    /// The time of day the wall clock reads before any advance.
    public let start: Date
    private let state = Locked(State())

    /// Creates a clock whose wall clock reads `start` (default 2026-01-01T00:00:00Z).
    public init(start: Date = Date(timeIntervalSince1970: 1_767_225_600)) {
        self.start = start
    }

    public var now: Instant {
        Instant(offset: elapsed)
    }

    public var minimumResolution: Duration { .zero }

    /// The time of day: ``start`` plus every advance so far.
    public var wallClock: WallClock {
        WallClock { [start, self] in start.adding(self.elapsed) }
    }

    /// How far the clock has been advanced.
    public var elapsed: Duration {
        state.withLock { $0.elapsed }
    }

    /// The number of tasks currently sleeping on this clock.
    public var sleeperCount: Int {
        state.withLock { $0.sleepers.count }
    }

    /// The earliest deadline among the sleepers, as a point on the ``elapsed`` scale, or `nil` if none sleeps.
    public var nextDeadline: Duration? {
        state.withLock { $0.sleepers.map(\.deadline).min() }
    }

    /// Advances exactly to the earliest sleeper's deadline, if it is no more than
    /// `limit` away, and returns whether it did. Tests use it to fire the next timer
    /// (a retry backoff, say) without overshooting into the ones after it.
    @discardableResult
    public func advanceToNextDeadline(within limit: Duration = .seconds(Int64.max)) -> Bool {
        guard let next = nextDeadline else { return false }
        let distance = next - elapsed
        guard distance <= limit else { return false }
        advance(by: max(.zero, distance))
        return true
    }

    /// Suspends until the clock reaches `deadline`, or the task is cancelled.
    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let id = state.withLock { state -> Int in
            defer { state.nextID += 1 }
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let (resumeNow, watchers) = state.withLock { state -> (Result<Void, any Error>?, [CheckedContinuation<Void, Never>]) in
                    if state.cancelled.remove(id) != nil {
                        return (.failure(CancellationError()), [])
                    }
                    if deadline.offset <= state.elapsed {
                        return (.success(()), [])
                    }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline.offset, continuation: continuation))
                    return (nil, Self.takeSatisfiedWatchers(&state))
                }
                for watcher in watchers { watcher.resume() }
                if let resumeNow {
                    continuation.resume(with: resumeNow)
                }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                if let index = state.sleepers.firstIndex(where: { $0.id == id }) {
                    return state.sleepers.remove(at: index)
                }
                state.cancelled.insert(id)
                return nil
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock forward and wakes every sleeper whose deadline has passed.
    public func advance(by duration: Duration) {
        let due = state.withLock { state -> [Sleeper] in
            state.elapsed += duration
            let due = state.sleepers.filter { $0.deadline <= state.elapsed }
            state.sleepers.removeAll { $0.deadline <= state.elapsed }
            return due.sorted { $0.deadline < $1.deadline }
        }
        for sleeper in due {
            sleeper.continuation.resume()
        }
    }

    /// Waits until at least `count` tasks are sleeping on this clock, so an
    /// ``advance(by:)`` that follows is sure to reach them.
    public func waitForSleepers(_ count: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if state.sleepers.count >= count { return true }
                state.sleeperWatchers.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    private static func takeSatisfiedWatchers(_ state: inout State) -> [CheckedContinuation<Void, Never>] {
        let count = state.sleepers.count
        let satisfied = state.sleeperWatchers.filter { $0.count <= count }.map(\.continuation)
        state.sleeperWatchers.removeAll { $0.count <= count }
        return satisfied
    }
}
