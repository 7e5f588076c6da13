import BillingCore
import Dispatch
import Foundation

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
///   commit. The writer opens a group's transaction with the requests pending, and
///   while it inserts them it keeps taking the requests that arrive, until the group
///   holds as many appends as the largest recent group did: the publishers it just
///   released are about to publish again, and waiting for them makes the group whole,
///   while their encoding overlaps the writer's inserts. It commits earlier when no
///   request arrived for `linger`, when a write other than an append joins (someone
///   waits for it), or after `lingerCap` lingers. Larger groups write fewer WAL pages per event.
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
    /// A group never gathers for longer than this many `linger`s in all.
    static let lingerCap = 16
    /// A gathering writer wakes to insert once this many requests arrived.
    static let gatherStep = 8

    let connection: ConfinedConnection
    let statements: ConfinedStatements
    private let queue: DispatchQueue
    let state = Locked(State())
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
        if commitsInline, claimIfIdle(publisher: true) {
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
    /// An idle writer without load (as for an inline append) runs it at once on the
    /// caller's thread, outside a group: a statement, or its `transaction`, commits alone.
    func withConnection<Value: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> Value) async throws -> Value {
        try checkOpen()
        // Without load, on the caller's thread, as an append would be (its own transaction).
        if commitsInline, claimIfIdle(publisher: false) {
            let result = Result { try body(connection.value) }
            releaseInlineClaim()
            return try result.get()
        }
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
    /// - Parameter publisher: the claim is for an append (it counts as a group of one).
    private func claimIfIdle(publisher: Bool) -> Bool {
        state.withLock { state in
            guard !state.busy, state.pending.isEmpty, state.recentPublishers <= 1 else { return false }
            state.busy = true
            if publisher { state.record(publishers: 1) }
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
            if wake { state.lingerTarget = 0 }
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
        while let next = takeNext() {
            switch next {
            case .alone(let body):
                body(connection.value)
            case .group(let first):
                var group = first
                let target = state.withLock { $0.recentPublishers }
                let gathering = Gathering(target: target, cap: Date().adding(linger * Self.lingerCap))
                let gather: (() -> [Item]?)? = target > 1 && linger > .zero ? {
                    guard let more = self.gather(gathering, have: group) else { return nil }
                    group += more
                    return more.map(\.item)
                } : nil
                let outcomes = commit(first.map(\.item), gather: gather)
                state.withLock { $0.record(publishers: group.count { $0.isAppend }) }
                // Other writes first: their callers (a subscription's bookkeeping) wait
                // in the same executor queue as the publishers, and would otherwise
                // resume behind every publisher of the group.
                for (request, outcome) in zip(group, outcomes) where !request.isAppend {
                    request.resume(outcome)
                }
                for (request, outcome) in zip(group, outcomes) where request.isAppend {
                    request.resume(outcome)
                }
            }
        }
    }

    /// How long one group may keep gathering.
    private struct Gathering {
        /// The publishers seen recently: the group is whole with this many appends.
        let target: Int
        /// Never later than this.
        let cap: Date
    }

    /// While a group's transaction is open and its requests are inserted: under load
    /// (see the type's comment), the requests that arrived meanwhile, waiting for them
    /// if needed, so the inserts of a group overlap the publishers' next publishes.
    /// `nil` ends the group: it is whole, a write other than an append is in it or
    /// pending, nobody arrived for `linger`, the cap passed, or the bound is reached.
    private func gather(_ gathering: Gathering, have group: [Request]) -> [Request]? {
        guard linger > .zero, gathering.target > 1, !group.contains(where: { !$0.isAppend }) else { return nil }
        var events = group.reduce(0) { $0 + $1.eventCount }
        let appends = group.count { $0.isAppend }
        guard appends < gathering.target, events < maxGroupEvents else { return nil }
        lingerSignal.lock()
        defer { lingerSignal.unlock() }
        var seen = -1
        while true {
            let taken = state.withLock { state -> (requests: [Request], arrivals: Int)? in
                guard !state.closed else { return nil }
                // Work to run alone, or a request past the bound, is next: end the group now.
                if let first = state.pending.first, Request(first).map({ events + $0.eventCount > maxGroupEvents }) ?? true {
                    return nil
                }
                var requests: [Request] = []
                for work in state.pending {
                    guard let request = Request(work), events + request.eventCount <= maxGroupEvents else { break }
                    requests.append(request)
                    events += request.eventCount
                }
                state.pending.removeFirst(requests.count)
                // Wake when a few requests are there to insert (or the group would be
                // whole), or as soon as anything but an append comes.
                state.lingerTarget = requests.isEmpty ? max(1, min(Self.gatherStep, gathering.target - appends)) : 0
                return (requests, state.arrivals)
            }
            guard let taken else { return nil }
            if !taken.requests.isEmpty {
                state.withLock { $0.lingerTarget = 0 }
                return taken.requests
            }
            // Nobody came during a whole `linger`, or the cap passed: commit what there is.
            let now = Date()
            guard taken.arrivals != seen, now < gathering.cap else {
                state.withLock { $0.lingerTarget = 0 }
                return nil
            }
            seen = taken.arrivals
            _ = lingerSignal.wait(until: min(now.adding(linger), gathering.cap))
        }
    }

    private enum Next {
        case alone(@Sendable (SQLiteConnection) -> Void)
        case group([Request])
    }

    /// The next work run alone, or the pending appends and joined writes up to the
    /// group bound. `nil` (nothing pending) releases the claim.
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
            for work in state.pending {
                guard let request = Request(work) else { break }
                if !group.isEmpty, events + request.eventCount > maxGroupEvents { break }
                group.append(request)
                events += request.eventCount
            }
            state.pending.removeFirst(group.count)
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
