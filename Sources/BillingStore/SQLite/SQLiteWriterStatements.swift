import BillingCore
import CBilingusSQLite

/// The statements the writer runs on every commit, prepared once and held: no SQL
/// parsed per commit, and no statement looked up by hashing its text per insert.
///
/// Confined to the writer's connection (the writer's claim guarantees one user at a
/// time). Prepared on first use, so a read-only store never prepares the insert.
final class SQLiteWriterStatements {
    private let connection: SQLiteConnection
    private var held = [OpaquePointer?](repeating: nil, count: Kind.allCases.count)

    init(connection: SQLiteConnection) {
        self.connection = connection
    }

    /// `BEGIN IMMEDIATE`, `COMMIT`, and the savepoint that isolates one request.
    func begin() throws { try run(.begin, "begin a transaction") }
    func commit() throws { try run(.commit, "commit appended events") }
    func savepoint() throws { try run(.savepoint, "open a savepoint") }
    func release() throws { try run(.release, "release a savepoint") }
    func rollbackToSavepoint() throws { try run(.rollbackToSavepoint, "roll back a savepoint") }

    /// Inserts one row; `true` if it was stored, `false` if its id or its tenant and
    /// idempotency key were stored already.
    ///
    /// The row's bytes are bound with `SQLITE_STATIC`: they stay alive (and unmoved)
    /// for the whole step, and the statement is reset before they can go. Every
    /// parameter is bound for every row, so no `sqlite3_clear_bindings` is needed.
    func insert(_ row: SQLiteEventRow.Encoded) throws -> Bool {
        let statement = try self.statement(.insert)
        let result = row.bytes.withUnsafeBufferPointer { buffer -> Int32 in
            let base = UnsafeRawPointer(buffer.baseAddress)
            for column in SQLiteEventRow.Encoded.Column.allCases {
                let index = Self.parameter(column)
                guard let range = row.range(of: column), let base else {
                    sqlite3_bind_null(statement, index)
                    continue
                }
                let start = base + range.lowerBound
                let count = Int32(range.count)
                switch column {
                case .id, .causationId: sqlite3_bind_blob(statement, index, start, count, nil)
                default: sqlite3_bind_text(statement, index, start.assumingMemoryBound(to: CChar.self), count, nil)
                }
            }
            sqlite3_bind_int64(statement, 4, row.timestamp)
            sqlite3_bind_int64(statement, 12, row.schemaVersion)
            if let hash = row.idempotencyHash {
                sqlite3_bind_int64(statement, 13, hash)
            } else {
                sqlite3_bind_null(statement, 13)
            }
            let result = sqlite3_step(statement)
            sqlite3_reset(statement)
            return result
        }
        guard result == SQLITE_DONE else { throw connection.error(result, "append events") }
        return connection.changes == 1
    }

    /// Finalizes every held statement (before the connection closes).
    func finalize() {
        for case let statement? in held { sqlite3_finalize(statement) }
        held = held.map { _ in nil }
    }

    private static func parameter(_ column: SQLiteEventRow.Encoded.Column) -> Int32 {
        switch column {
        case .id: 1
        case .type: 2
        case .payload: 3
        case .tenantId: 5
        case .userId: 6
        case .entityId: 7
        case .metadata: 8
        case .idempotencyKey: 9
        case .correlationId: 10
        case .causationId: 11
        }
    }

    /// The held statements, by what they do.
    private enum Kind: Int, CaseIterable {
        case begin, commit, savepoint, release, rollbackToSavepoint, insert

        var sql: String {
            switch self {
            case .begin: "BEGIN IMMEDIATE"
            case .commit: "COMMIT"
            case .savepoint: "SAVEPOINT request"
            case .release: "RELEASE request"
            case .rollbackToSavepoint: "ROLLBACK TO request"
            case .insert: SQLiteEventRow.insertSQL
            }
        }
    }

    private func run(_ kind: Kind, _ operation: String) throws {
        let statement = try self.statement(kind)
        let result = sqlite3_step(statement)
        sqlite3_reset(statement)
        guard result == SQLITE_DONE else { throw connection.error(result, operation) }
    }

    private func statement(_ kind: Kind) throws -> OpaquePointer {
        if let statement = held[kind.rawValue] { return statement }
        var pointer: OpaquePointer?
        let result = sqlite3_prepare_v3(connection.handle, kind.sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &pointer, nil)
        guard result == SQLITE_OK, let pointer else { throw connection.error(result, "prepare a statement") }
        held[kind.rawValue] = pointer
        return pointer
    }
}
