import BillingCore
import Dispatch
import Foundation
import Synchronization

/// The single writer connection, with group commit.
///
/// Appends from concurrent publishers queue up while a transaction is being
/// committed; the next transaction takes all of them (up to a bound), so many
/// publishes share one commit. The store's other writes (cursors, attempt records,
/// dead letters, leases) queue up the same way and join the same transaction, so a
/// subscription's bookkeeping never waits for a commit of its own behind the appends.
/// Each request keeps its own atomicity inside the shared transaction through a
/// savepoint: a request that fails is rolled back alone and the others commit.
///
/// - **Idle:** the first request does not wait for company. When `commitsInline` is
///   set (the store does so for `synchronous = NORMAL`, where a commit writes to the
///   WAL without an fsync) and no more than one publisher was seen recently, a
///   publisher that finds the writer idle commits on its own thread, skipping two
///   thread hand-offs.
/// - **Under load** (several requests in one of the last groups) there is no inline
///   commit, and before each group the writer lingers until as many requests are
///   pending as the most seen in a recent group: the publishers it just released are
///   about to publish again, and waiting for them makes the next group whole. The
///   wait ends early when no request arrived for `linger`, or when a write other than
///   an append is pending (someone waits for it). Larger groups write fewer WAL pages per event.
final class SQLiteWriter: Sendable {
    enum Work {
        case append(rows: [SQLiteEventRow.Encoded], continuation: CheckedContinuation<[SQLiteAppendOutcome], any Error>)
        /// A write that joins the next group commit; resumed after the commit.
        case joined(body: @Sendable (SQLiteConnection) throws -> any Sendable, continuation: CheckedContinuation<any Sendable, any Error>)
        /// Work that must run outside a transaction (pragmas, checkpoints, closing).
        case alone(@Sendable (SQLiteConnection) -> Void)
    }

    struct State {
        var pending: [Work] = []
        /// Someone (the writer queue or an inline publisher) owns the connection.
        var busy = false
        /// While lingering: the pending count that ends the wait early.
        var lingerTarget = 0
        /// Requests submitted so far, to tell whether any arrived during a wait.
        var arrivals = 0
        /// `close()` was called: no new work is taken.
        var closed = false
        /// The append requests of the last groups, newest at `recentIndex`.
        var recent = [Int](repeating: 0, count: SQLiteWriter.recentGroups)
        var recentIndex = 0
        var statistics = SQLiteEventStore.WriteStatistics()

        /// The most publishers seen in one of the last groups.
        var recentPublishers: Int { recent.max() ?? 0 }

        mutating func record(publishers: Int) {
            recentIndex = (recentIndex + 1) % SQLiteWriter.recentGroups
            recent[recentIndex] = publishers
        }
    }

    /// How many groups "recently" spans.
    static let recentGroups = 8
    /// A linger never lasts longer than this many `linger`s in all.
    static let lingerCap = 16

    let connection: ConfinedConnection
    let statements: ConfinedStatements
    private let queue: DispatchQueue
    let state = Mutex(State())
    let maxGroupEvents: Int
    private let commitsInline: Bool
    private let linger: Duration
    /// Wakes a lingering writer as soon as enough requests arrived.
    private let lingerSignal = NSCondition()

    init(connection: SQLiteConnection, maxGroupEvents: Int, commitsInline: Bool, linger: Duration, label: String) {
        self.connection = ConfinedConnection(connection)
        self.statements = ConfinedStatements(SQLiteWriterStatements(connection: connection))
        self.queue = DispatchQueue(label: label)
        self.maxGroupEvents = max(1, maxGroupEvents)
        self.commitsInline = commitsInline
        self.linger = linger
    }

    /// Appends a batch atomically, sharing a transaction with concurrent batches.
    /// One outcome per row, in order.
    func append(_ rows: [SQLiteEventRow.Encoded]) async throws -> [SQLiteAppendOutcome] {
        try checkOpen()
        if commitsInline, claimIfIdle() {
            let outcome = commit([.rows(rows)])[0]
            releaseInlineClaim()
            return try outcome.get().appended
        }
        return try await withCheckedThrowingContinuation { continuation in
            submit(.append(rows: rows, continuation: continuation))
        }
    }

    /// Runs `body` on the writer connection inside the next group commit (in a
    /// savepoint of its own when it shares the transaction) and returns once that
    /// transaction is committed. `body` may run several statements; it must not
    /// control transactions itself except through ``SQLiteConnection/transaction(_:_:)``.
    func withConnection<Value: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> Value) async throws -> Value {
        try checkOpen()
        let value = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<any Sendable, any Error>) in
            submit(.joined(body: { try body($0) }, continuation: continuation))
        }
        guard let typed = value as? Value else { preconditionFailure("a writer closure returned another type") }
        return typed
    }

    /// Runs `body` on the writer connection between group commits, outside any
    /// transaction (pragmas, `VACUUM`, checkpoints).
    func withConnectionAlone<Value: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> Value) async throws -> Value {
        try checkOpen()
        return try await withCheckedThrowingContinuation { continuation in
            submit(.alone { connection in continuation.resume(with: Result { try body(connection) }) })
        }
    }

    /// What the writer has committed so far.
    var statistics: SQLiteEventStore.WriteStatistics {
        state.withLock { $0.statistics }
    }

    /// Checkpoints the WAL into the database, truncates it, and closes the connection,
    /// after the work queued before it. Later calls fail with `shut_down`.
    func close() async throws {
        guard state.withLock({ state in
            defer { state.closed = true }
            return !state.closed
        }) else { return }
        let statements = self.statements
        let outcome: Result<Void, any Error> = await withCheckedContinuation { continuation in
            submit(.alone { connection in
                continuation.resume(returning: Result {
                    defer {
                        statements.value.finalize()
                        connection.close()
                    }
                    if !connection.isReadOnly {
                        try connection.execute("PRAGMA wal_checkpoint(TRUNCATE)", "checkpoint the WAL")
                    }
                })
            })
        }
        try outcome.get()
    }

    private func checkOpen() throws {
        if state.withLock({ $0.closed }) {
            throw BillingError(.shutDown, "The SQLite store is closed")
        }
    }

    /// Work waiting for the writer (tests use it to know a request is queued).
    var pendingCount: Int {
        state.withLock { $0.pending.count }
    }

    // MARK: Ownership of the connection

    /// Claims an idle writer for an inline commit: only when nothing is pending and
    /// no more than one publisher was seen recently (under load, requests queue up).
    private func claimIfIdle() -> Bool {
        state.withLock { state in
            guard !state.busy, state.pending.isEmpty, state.recentPublishers <= 1 else { return false }
            state.busy = true
            state.record(publishers: 1)
            return true
        }
    }

    private func releaseInlineClaim() {
        let handOver = state.withLock { state -> Bool in
            if state.pending.isEmpty {
                state.busy = false
                return false
            }
            return true  // stay busy: the writer queue inherits the claim
        }
        if handOver {
            queue.async { self.drain() }
        }
    }

    private func submit(_ work: Work) {
        let (startDrain, wakeLingerer) = state.withLock { state -> (Bool, Bool) in
            state.pending.append(work)
            state.arrivals += 1
            var wake = state.lingerTarget > 0 && state.pending.count >= state.lingerTarget
            if case .append = work {} else { wake = state.lingerTarget > 0 }
            guard !state.busy else { return (false, wake) }
            state.busy = true
            return (true, wake)
        }
        if startDrain {
            queue.async { self.drain() }
        }
        if wakeLingerer {
            lingerSignal.lock()
            lingerSignal.signal()
            lingerSignal.unlock()
        }
    }

    // MARK: Draining

    /// Runs work until nothing is pending. Runs on the writer queue only, holding the claim.
    private func drain() {
        while true {
            lingerForCompany()
            guard let next = takeNext() else { return }
            switch next {
            case .alone(let body):
                body(connection.value)
            case .group(let group):
                let outcomes = commit(group.map(\.item))
                for (request, outcome) in zip(group, outcomes) {
                    request.resume(outcome)
                }
            }
        }
    }

    /// Under load, waits (see the type's comment) until as many requests are pending as
    /// publishers were seen recently, a non-append write is pending, no request arrived
    /// for `linger`, or `lingerCap` lingers passed.
    private func lingerForCompany() {
        guard linger > .zero else { return }
        let start = Date()
        let cap = start.adding(linger * Self.lingerCap)
        lingerSignal.lock()
        defer { lingerSignal.unlock() }
        var seen = -1
        while true {
            let arrivals = state.withLock { state -> Int? in
                let target = state.recentPublishers
                let waitsForOther = state.pending.contains { if case .append = $0 { false } else { true } }
                guard target > 1, state.pending.count < target, !waitsForOther, !state.closed else {
                    state.lingerTarget = 0
                    return nil
                }
                state.lingerTarget = target
                return state.arrivals
            }
            // Done: enough company, someone waits for another write, or nobody came for a whole `linger`.
            guard let arrivals, arrivals != seen else { break }
            seen = arrivals
            let now = Date()
            guard now < cap else { break }
            _ = lingerSignal.wait(until: min(now.adding(linger), cap))
        }
        state.withLock { $0.lingerTarget = 0 }
    }

    private enum Next {
        case alone(@Sendable (SQLiteConnection) -> Void)
        case group([Request])
    }

    /// The next work run alone, or the next run of appends and joined writes up to
    /// the group bound. `nil` (nothing pending) releases the claim.
    private func takeNext() -> Next? {
        state.withLock { state -> Next? in
            guard let first = state.pending.first else {
                state.busy = false
                return nil
            }
            if case .alone(let body) = first {
                state.pending.removeFirst()
                return .alone(body)
            }
            var group: [Request] = []
            var events = 0
            var publishers = 0
            collect: for work in state.pending {
                let request: Request
                switch work {
                case .alone: break collect
                case .append(let rows, let continuation): request = .append(rows, continuation)
                case .joined(let body, let continuation): request = .joined(body, continuation)
                }
                if !group.isEmpty, events + request.eventCount > maxGroupEvents { break }
                group.append(request)
                events += request.eventCount
                if case .append = work { publishers += 1 }
            }
            state.pending.removeFirst(group.count)
            state.record(publishers: publishers)
            return .group(group)
        }
    }
}

/// A connection handed between threads but used by one at a time: the owner's
/// serial queue (or an inline claim) guarantees that, which the compiler cannot see.
final class ConfinedConnection: @unchecked Sendable {
    let value: SQLiteConnection

    init(_ value: SQLiteConnection) {
        self.value = value
    }
}

/// The writer's held statements, confined like its connection.
final class ConfinedStatements: @unchecked Sendable {
    let value: SQLiteWriterStatements

    init(_ value: SQLiteWriterStatements) {
        self.value = value
    }
}
