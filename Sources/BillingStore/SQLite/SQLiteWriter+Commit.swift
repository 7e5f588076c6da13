import BillingCore
import Foundation

/// What one appended row came to.
enum SQLiteAppendOutcome: Sendable {
    /// Stored now, at this sequence.
    case inserted(sequence: Int64)
    /// Stored before (same id, or same tenant and idempotency key): the stored event.
    case duplicate(BillingEvent)
}

extension SQLiteWriter {
    /// One request of a group commit.
    enum Request {
        case append([SQLiteEventRow.Encoded], CheckedContinuation<[SQLiteAppendOutcome], any Error>)
        case joined(@Sendable (SQLiteConnection) throws -> any Sendable, CheckedContinuation<any Sendable, any Error>)

        /// A group's request for `work`; `nil` for work run alone.
        init?(_ work: Work) {
            switch work {
            case .alone: return nil
            case .append(let rows, let continuation): self = .append(rows, continuation)
            case .joined(let body, let continuation): self = .joined(body, continuation)
            }
        }

        var isAppend: Bool {
            if case .append = self { return true }
            return false
        }

        /// What the group bound counts: rows, or one for a joined write.
        var eventCount: Int {
            switch self {
            case .append(let rows, _): rows.count
            case .joined: 1
            }
        }

        var item: Item {
            switch self {
            case .append(let rows, _): .rows(rows)
            case .joined(let body, _): .body(body)
            }
        }

        func resume(_ outcome: Result<ItemOutcome, any Error>) {
            switch self {
            case .append(_, let continuation): continuation.resume(with: outcome.map(\.appended))
            case .joined(_, let continuation): continuation.resume(with: outcome.map(\.value))
            }
        }
    }

    /// The work of one request, without its continuation.
    enum Item {
        case rows([SQLiteEventRow.Encoded])
        case body(@Sendable (SQLiteConnection) throws -> any Sendable)
    }

    enum ItemOutcome {
        case rows([SQLiteAppendOutcome])
        case value(any Sendable)

        var appended: [SQLiteAppendOutcome] {
            if case .rows(let outcomes) = self { return outcomes }
            preconditionFailure("an append request got a joined write's outcome")
        }

        var value: any Sendable {
            if case .value(let value) = self { return value }
            preconditionFailure("a joined write got an append's outcome")
        }
    }

    /// Commits several requests in one transaction; one outcome per request, all
    /// resolved only once the transaction is committed (or rolled back). After the
    /// items given, `gather` is asked for more to add to the same transaction until it
    /// returns `nil`. Must be called by the owner of the claim.
    func commit(_ first: [Item], gather: (() -> [Item]?)? = nil) -> [Result<ItemOutcome, any Error>] {
        var items = first
        let connection = self.connection.value
        if connection.isReadOnly {
            // Nothing can be written: joined work runs as it is (for its reads, or its own error).
            return items.map { item in
                Result {
                    guard case .body = item else { throw SQLiteEventStore.readOnlyError() }
                    return try perform(item, connection)
                }
            }
        }
        let statements = self.statements.value
        var outcomes: [Result<ItemOutcome, any Error>?] = []
        do {
            try statements.begin()
            var index = 0
            while true {
                while index < items.count {
                    let item = items[index]
                    outcomes.append(nil)
                    // A request needs a savepoint only if it could half-fail while others
                    // commit: it runs several statements, and others share (or may still
                    // join) the transaction. (One statement is atomic on its own.)
                    let shared = items.count > 1 || gather != nil
                    let isolate = shared && item.runsSeveralStatements
                    if isolate { try statements.savepoint() }
                    do {
                        outcomes[index] = .success(try perform(item, connection))
                        if isolate { try statements.release() }
                    } catch {
                        // Some errors (a full disk, I/O) make SQLite abandon the whole
                        // transaction; then nothing in the group can commit.
                        guard shared, connection.isInTransaction else { throw error }
                        if isolate {
                            try statements.rollbackToSavepoint()
                            try statements.release()
                        }
                        outcomes[index] = .failure(error)
                    }
                    index += 1
                }
                guard let more = gather?() else { break }
                items += more
            }
            try statements.commit()
            recordCommit(items, outcomes)
        } catch {
            connection.rollback()
            outcomes += [Result<ItemOutcome, any Error>?](repeating: nil, count: items.count - outcomes.count)
            for index in outcomes.indices {
                if case .failure? = outcomes[index] { continue }
                outcomes[index] = .failure(error)
            }
        }
        return outcomes.map { $0! }
    }

    private func perform(_ item: Item, _ connection: SQLiteConnection) throws -> ItemOutcome {
        switch item {
        case .rows(let rows): .rows(try insert(rows, connection))
        case .body(let body): .value(try body(connection))
        }
    }

    private func recordCommit(_ items: [Item], _ outcomes: [Result<ItemOutcome, any Error>?]) {
        var events = 0
        var joined = 0
        for (item, outcome) in zip(items, outcomes) {
            guard case .success? = outcome else { continue }
            switch item {
            case .rows(let rows): events += rows.count
            case .body: joined += 1
            }
        }
        state.withLock { state in
            state.statistics.commits += 1
            state.statistics.events += events
            state.statistics.joinedWrites += joined
        }
    }

    /// Inserts each event unless its id or idempotency key is already stored.
    private func insert(_ rows: [SQLiteEventRow.Encoded], _ connection: SQLiteConnection) throws -> [SQLiteAppendOutcome] {
        let statements = self.statements.value
        var results: [SQLiteAppendOutcome] = []
        results.reserveCapacity(rows.count)
        for row in rows {
            if try statements.insert(row) {
                results.append(.inserted(sequence: connection.lastInsertRowID))
            } else {
                let stored = try existing(for: row.event, connection)
                // The same key with other content is a caller's mistake, not a retry.
                guard SQLiteEventStore.isSameContent(row.event, as: stored) else {
                    throw SQLiteEventStore.idempotencyConflict(row.event, stored)
                }
                results.append(.duplicate(stored))
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

extension SQLiteWriter.Item {
    /// Whether a failure could leave part of it written (and so needs a savepoint to share a transaction).
    var runsSeveralStatements: Bool {
        switch self {
        case .rows(let rows): rows.count > 1
        case .body: true
        }
    }
}
