import BillingCore
import Dispatch
import Synchronization

/// The single writer connection, with group commit.
///
/// Appends from concurrent publishers queue up while a transaction is being
/// committed; the next transaction takes all of them (up to a bound), so many
/// publishes share one commit. An idle writer starts a transaction as soon as the
/// first request arrives: grouping adds no latency, it only absorbs load.
///
/// Each request keeps its own atomicity inside the shared transaction through a
/// savepoint: a request that fails is rolled back alone and the others commit.
final class SQLiteWriter: Sendable {
    private struct Request {
        let rows: [SQLiteEventRow.Encoded]
        let continuation: CheckedContinuation<[AppendResult], any Error>
    }

    private struct State {
        var pending: [Request] = []
        var draining = false
    }

    private let connection: ConfinedConnection
    private let queue: DispatchQueue
    private let state = Mutex(State())
    private let maxGroupEvents: Int

    init(connection: SQLiteConnection, maxGroupEvents: Int, label: String) {
        self.connection = ConfinedConnection(connection)
        self.queue = DispatchQueue(label: label)
        self.maxGroupEvents = max(1, maxGroupEvents)
    }

    /// Appends a batch atomically, sharing a transaction with concurrent batches.
    func append(_ rows: [SQLiteEventRow.Encoded]) async throws -> [AppendResult] {
        try await withCheckedThrowingContinuation { continuation in
            let startDrain = state.withLock { state -> Bool in
                state.pending.append(Request(rows: rows, continuation: continuation))
                guard !state.draining else { return false }
                state.draining = true
                return true
            }
            if startDrain {
                queue.async { self.drain() }
            }
        }
    }

    /// Runs `body` on the writer connection, serialized with appends.
    func withConnection<Value: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try body(self.connection.value) })
            }
        }
    }

    /// Commits groups until nothing is pending. Runs on the writer queue only.
    private func drain() {
        while true {
            let group = state.withLock { state -> [Request] in
                guard !state.pending.isEmpty else {
                    state.draining = false
                    return []
                }
                var count = 0
                var taken = 0
                for request in state.pending {
                    if taken > 0, count + request.rows.count > maxGroupEvents { break }
                    count += request.rows.count
                    taken += 1
                }
                let group = Array(state.pending.prefix(taken))
                state.pending.removeFirst(taken)
                return group
            }
            if group.isEmpty { return }
            commit(group)
        }
    }

    private func commit(_ group: [Request]) {
        let connection = self.connection.value
        var outcomes = [Result<[AppendResult], any Error>?](repeating: nil, count: group.count)
        do {
            try connection.execute("BEGIN IMMEDIATE", "begin a transaction")
            // A lone request needs no savepoint: the transaction is its atomic unit.
            let isolate = group.count > 1
            for (index, request) in group.enumerated() {
                if isolate { try connection.execute("SAVEPOINT request", "open a savepoint") }
                do {
                    outcomes[index] = .success(try insert(request.rows, connection))
                    if isolate { try connection.execute("RELEASE request", "release a savepoint") }
                } catch {
                    // Some errors (a full disk, I/O) make SQLite abandon the whole
                    // transaction; then nothing in the group can commit.
                    guard isolate, sqlite3InTransaction(connection) else { throw error }
                    try connection.execute("ROLLBACK TO request", "roll back a savepoint")
                    try connection.execute("RELEASE request", "release a savepoint")
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
        for (request, outcome) in zip(group, outcomes) {
            request.continuation.resume(with: outcome!)
        }
    }

    /// Inserts each event unless its id or idempotency key is already stored.
    private func insert(_ rows: [SQLiteEventRow.Encoded], _ connection: SQLiteConnection) throws -> [AppendResult] {
        let insert = try connection.statement(SQLiteEventRow.insertSQL)
        defer { insert.reset() }
        var results: [AppendResult] = []
        results.reserveCapacity(rows.count)
        for row in rows {
            insert.reset()
            SQLiteEventRow.bindInsert(insert, row)
            _ = try insert.step("append events")
            if connection.changes == 1 {
                results.append(AppendResult(event: row.event.withSequence(connection.lastInsertRowID), isDuplicate: false))
            } else {
                results.append(AppendResult(event: try existing(for: row.event, connection), isDuplicate: true))
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
/// serial queue guarantees that, which the compiler cannot see.
final class ConfinedConnection: @unchecked Sendable {
    let value: SQLiteConnection

    init(_ value: SQLiteConnection) {
        self.value = value
    }
}
