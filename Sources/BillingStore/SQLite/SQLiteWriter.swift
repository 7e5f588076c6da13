import BillingCore
import Dispatch
import Foundation
import Synchronization

/// The single writer connection, with group commit.
///
/// Appends from concurrent publishers queue up while a transaction is being
/// committed; the next transaction takes all of them (up to a bound), so many
/// publishes share one commit. Each request keeps its own atomicity inside the
/// shared transaction through a savepoint: a request that fails is rolled back
/// alone and the others commit.
///
/// An idle writer adds no latency: the first request does not wait for company.
/// Under load (the last group held several requests) the writer lingers briefly,
/// up to `linger`, until as many requests are pending as last time: the publishers
/// it just released are about to publish again, and waiting for them makes the
/// next group whole instead of half. Larger groups write fewer WAL pages per event.
/// When `commitsInline` is set (the store does so for `synchronous = NORMAL`, where
/// a commit writes to the WAL without an fsync), a publisher that finds the writer
/// idle commits on its own thread, skipping two thread hand-offs; requests that
/// arrive meanwhile queue up and the writer queue takes over for them.
final class SQLiteWriter: Sendable {
    private enum Work {
        case append(rows: [SQLiteEventRow.Encoded], continuation: CheckedContinuation<[StoredEvent], any Error>)
        case maintenance(@Sendable (SQLiteConnection) -> Void)
    }

    private struct State {
        var pending: [Work] = []
        /// Someone (the writer queue or an inline publisher) owns the connection.
        var busy = false
        /// While lingering: the pending count that ends the wait early.
        var lingerTarget = 0
        /// `close()` was called: no new work is taken.
        var closed = false
    }

    private let connection: ConfinedConnection
    private let queue: DispatchQueue
    private let state = Locked(State())
    private let maxGroupEvents: Int
    private let commitsInline: Bool
    private let linger: Duration
    /// Wakes a lingering writer as soon as enough requests arrived.
    private let lingerSignal = NSCondition()

    init(connection: SQLiteConnection, maxGroupEvents: Int, commitsInline: Bool, linger: Duration, label: String) {
        self.connection = ConfinedConnection(connection)
        self.queue = DispatchQueue(label: label)
        self.maxGroupEvents = max(1, maxGroupEvents)
        self.commitsInline = commitsInline
        self.linger = linger
    }

    /// Appends a batch atomically, sharing a transaction with concurrent batches.
    func append(_ rows: [SQLiteEventRow.Encoded]) async throws -> [StoredEvent] {
        try checkOpen()
        if commitsInline, claimIfIdle() {
            let outcome = commit([rows])[0]
            releaseInlineClaim()
            return try outcome.get()
        }
        return try await withCheckedThrowingContinuation { continuation in
            submit(.append(rows: rows, continuation: continuation))
        }
    }

    /// Runs `body` on the writer connection, between group commits (on the caller's
    /// thread when the writer is idle and commits inline).
    func withConnection<Value: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> Value) async throws -> Value {
        try checkOpen()
        if commitsInline, claimIfIdle() {
            let result = Result { try body(connection.value) }
            releaseInlineClaim()
            return try result.get()
        }
        return try await withCheckedThrowingContinuation { continuation in
            submit(.maintenance { connection in continuation.resume(with: Result { try body(connection) }) })
        }
    }

    /// Checkpoints the WAL into the database, truncates it, and closes the connection,
    /// after the work queued before it. Later calls fail with `shut_down`.
    func close() async throws {
        guard state.withLock({ state in
            defer { state.closed = true }
            return !state.closed
        }) else { return }
        let outcome: Result<Void, any Error> = await withCheckedContinuation { continuation in
            submit(.maintenance { connection in
                continuation.resume(returning: Result {
                    defer { connection.close() }
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

    // MARK: Ownership of the connection

    private func claimIfIdle() -> Bool {
        state.withLock { state in
            guard !state.busy, state.pending.isEmpty else { return false }
            state.busy = true
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
            let wake = state.lingerTarget > 0 && state.pending.count >= state.lingerTarget
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

    private typealias AppendRequest = (rows: [SQLiteEventRow.Encoded], continuation: CheckedContinuation<[StoredEvent], any Error>)

    private enum Next {
        case maintenance(@Sendable (SQLiteConnection) -> Void)
        case group([AppendRequest])
    }

    /// Runs work until nothing is pending. Runs on the writer queue only, holding the claim.
    private func drain() {
        while let next = takeNext() {
            switch next {
            case .maintenance(let body):
                body(connection.value)
            case .group(let group):
                let outcomes = commit(group.map(\.rows))
                for (request, outcome) in zip(group, outcomes) {
                    request.continuation.resume(with: outcome)
                }
                if group.count > 1 {
                    lingerForCompany(expecting: group.count)
                }
            }
        }
    }

    /// Waits up to `linger` for `count` requests to be pending (see the type's comment).
    private func lingerForCompany(expecting count: Int) {
        guard linger > .zero else { return }
        let deadline = Date().adding(linger)
        lingerSignal.lock()
        defer { lingerSignal.unlock() }
        while true {
            let enough = state.withLock { state -> Bool in
                if state.pending.count >= count {
                    state.lingerTarget = 0
                    return true
                }
                state.lingerTarget = count
                return false
            }
            if enough || !lingerSignal.wait(until: deadline) {
                break
            }
        }
        state.withLock { $0.lingerTarget = 0 }
    }

    /// The next maintenance closure, or the next run of appends up to the group
    /// bound. `nil` (nothing pending) releases the claim.
    private func takeNext() -> Next? {
        state.withLock { state -> Next? in
            guard let first = state.pending.first else {
                state.busy = false
                return nil
            }
            if case .maintenance(let body) = first {
                state.pending.removeFirst()
                return .maintenance(body)
            }
            var group: [AppendRequest] = []
            var events = 0
            for work in state.pending {
                guard case .append(let rows, let continuation) = work else { break }
                if !group.isEmpty, events + rows.count > maxGroupEvents { break }
                group.append((rows, continuation))
                events += rows.count
            }
            state.pending.removeFirst(group.count)
            return .group(group)
        }
    }

    // MARK: Committing

    /// Commits several requests in one transaction; one outcome per request.
    /// Must be called by the owner of the claim.
    private func commit(_ requests: [[SQLiteEventRow.Encoded]]) -> [Result<[StoredEvent], any Error>] {
        let connection = self.connection.value
        var outcomes = [Result<[StoredEvent], any Error>?](repeating: nil, count: requests.count)
        do {
            try connection.execute("BEGIN IMMEDIATE", "begin a transaction")
            for (index, rows) in requests.enumerated() {
                // A request needs a savepoint only if it could half-fail while others
                // commit: several requests share the transaction and this one has
                // several rows. (One statement is atomic on its own.)
                let isolate = requests.count > 1 && rows.count > 1
                if isolate { try connection.execute("SAVEPOINT request", "open a savepoint") }
                do {
                    outcomes[index] = .success(try insert(rows, connection))
                    if isolate { try connection.execute("RELEASE request", "release a savepoint") }
                } catch {
                    // Some errors (a full disk, I/O) make SQLite abandon the whole
                    // transaction; then nothing in the group can commit.
                    guard requests.count > 1, sqlite3InTransaction(connection) else { throw error }
                    if isolate {
                        try connection.execute("ROLLBACK TO request", "roll back a savepoint")
                        try connection.execute("RELEASE request", "release a savepoint")
                    }
                    outcomes[index] = .failure(error)
                }
            }
            try connection.execute("COMMIT", "commit appended events")
        } catch {
            connection.rollback()
            for index in outcomes.indices {
                if case .failure? = outcomes[index] { continue }
                outcomes[index] = .failure(error)
            }
        }
        return outcomes.map { $0! }
    }

    /// Inserts each event unless its id or idempotency key is already stored.
    private func insert(_ rows: [SQLiteEventRow.Encoded], _ connection: SQLiteConnection) throws -> [StoredEvent] {
        let insert = try connection.statement(SQLiteEventRow.insertSQL)
        defer { insert.reset() }
        var results: [StoredEvent] = []
        results.reserveCapacity(rows.count)
        for row in rows {
            insert.reset()
            SQLiteEventRow.bindInsert(insert, row)
            _ = try insert.step("append events")
            if connection.changes == 1 {
                results.append(StoredEvent(event: row.event.withSequence(connection.lastInsertRowID), isDuplicate: false))
            } else {
                let stored = try existing(for: row.event, connection)
                // The same key with other content is a caller's mistake, not a retry.
                guard SQLiteEventStore.isSameContent(row.event, as: stored) else {
                    throw SQLiteEventStore.idempotencyConflict(row.event, stored)
                }
                results.append(StoredEvent(event: stored, isDuplicate: true))
            }
        }
        return results
    }

    /// The stored event an insert collided with: same id first, then same idempotency key.
    private func existing(for event: BillingEvent, _ connection: SQLiteConnection) throws -> BillingEvent {
        if let stored = try SQLiteReads.event(id: event.id, connection) {
            return stored
        }
        if let key = event.idempotencyKey, let stored = try SQLiteReads.event(tenantId: event.tenantId, idempotencyKey: key, connection) {
            return stored
        }
        throw BillingError(.storageFailure, "An event was neither inserted nor found as a duplicate")
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
