import CSQLiteBaseline

/// The baseline's read statement.
enum EventsSchema {
    static let columns = "sequence, id, type, payload, timestamp, tenant_id, user_id, entity_id, metadata, idempotency_key, correlation_id, causation_id, schema_version"

    static let byEntity = "SELECT \(columns) FROM events WHERE entity_id = ? ORDER BY sequence"
}

struct RawSQLiteError: Error, CustomStringConvertible {
    let description: String
}

/// The baseline: the SQLite C API used directly, the way a hand-tuned C program would.
/// Same open flags and pragmas as SQLiteEventStore's writer (WAL, synchronous=NORMAL,
/// busy_timeout 5 s, foreign_keys on); every statement prepared once.
final class RawDatabase {
    let handle: OpaquePointer
    private var statements: [OpaquePointer] = []

    /// - Parameter tempStoreMemory: `PRAGMA temp_store = MEMORY` (a breakdown variant only;
    ///   the store does not set it).
    init(path: String, tempStoreMemory: Bool = false, walAutocheckpoint: Int = RawSchema.current.walAutocheckpoint) throws {
        var pointer: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI
        let result = sqlite3_open_v2(path, &pointer, flags, nil)
        guard result == SQLITE_OK, let pointer else {
            sqlite3_close_v2(pointer)
            throw RawSQLiteError(description: "open \(path): SQLite code \(result)")
        }
        handle = pointer
        sqlite3_busy_timeout(handle, 5000)
        try execute("PRAGMA journal_mode = WAL")
        try execute("PRAGMA synchronous = NORMAL")
        try execute("PRAGMA foreign_keys = ON")
        // The store's default checkpoint interval (SQLiteEventStore.Configuration.walAutocheckpointPages),
        // or the old one for the old-schema baseline.
        try execute("PRAGMA wal_autocheckpoint = \(walAutocheckpoint)")
        if tempStoreMemory {
            try execute("PRAGMA temp_store = MEMORY")
        }
    }

    deinit {
        for statement in statements {
            sqlite3_finalize(statement)
        }
        sqlite3_close_v2(handle)
    }

    static var version: String {
        String(cString: sqlite3_libversion())
    }

    func execute(_ sql: String) throws {
        let result = sqlite3_exec(handle, sql, nil, nil, nil)
        guard result == SQLITE_OK else { throw failure(result, sql) }
    }

    /// A statement owned by this database, finalized with it.
    func prepare(_ sql: String) throws -> OpaquePointer {
        var pointer: OpaquePointer?
        let result = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &pointer, nil)
        guard result == SQLITE_OK, let pointer else { throw failure(result, sql) }
        statements.append(pointer)
        return pointer
    }

    func failure(_ result: Int32, _ what: String) -> RawSQLiteError {
        RawSQLiteError(description: "SQLite code \(result) (\(String(cString: sqlite3_errmsg(handle)))) in: \(what)")
    }

    func count() throws -> Int {
        let statement = try prepare("SELECT count(*) FROM events")
        defer { sqlite3_reset(statement) }
        guard sqlite3_step(statement) == SQLITE_ROW else { throw failure(sqlite3_errcode(handle), "count") }
        return Int(sqlite3_column_int64(statement, 0))
    }

    /// The `EXPLAIN QUERY PLAN` detail lines for `sql` (bindings left NULL).
    func queryPlan(_ sql: String) throws -> [String] {
        let statement = try prepare("EXPLAIN QUERY PLAN " + sql)
        var lines: [String] = []
        while sqlite3_step(statement) == SQLITE_ROW {
            if let text = sqlite3_column_text(statement, 3) {
                lines.append(String(cString: text))
            }
        }
        sqlite3_reset(statement)
        return lines
    }
}

/// Inserts pre-encoded rows with one prepared `INSERT ... ON CONFLICT DO NOTHING`,
/// `rowsPerTransaction` rows per `BEGIN IMMEDIATE`/`COMMIT` (both prepared too).
final class RawInserter {
    /// What the baseline does besides the inserts. `.plain` is the baseline; the others
    /// are breakdown variants that add one thing the store's writer does.
    enum Mode {
        /// Prepared BEGIN IMMEDIATE / COMMIT around the rows.
        case plain
        /// Like SQLiteWriter with more than one request in a group: every row in its own
        /// `SAVEPOINT request` / `RELEASE request`, all transaction control through
        /// `sqlite3_exec` (parsed each time).
        case savepointPerRow
    }

    private let database: RawDatabase
    private let mode: Mode
    private let schema: RawSchema
    private let begin: OpaquePointer
    private let commit: OpaquePointer
    private let insert: OpaquePointer

    init(_ database: RawDatabase, schema: RawSchema = .current, mode: Mode = .plain) throws {
        self.database = database
        self.mode = mode
        self.schema = schema
        begin = try database.prepare("BEGIN IMMEDIATE")
        commit = try database.prepare("COMMIT")
        insert = try database.prepare(schema.insert)
    }

    /// Inserts every row; returns how many were new.
    func insertAll(_ rows: RawRows, rowsPerTransaction: Int) throws -> Int {
        var inserted = 0
        var start = 0
        while start < rows.rows.count {
            let end = min(rows.rows.count, start + rowsPerTransaction)
            inserted += try insert(rows, start..<end)
            start = end
        }
        return inserted
    }

    /// Inserts `range` of `rows` in one transaction; returns how many were new.
    func insert(_ rows: RawRows, _ range: Range<Int>) throws -> Int {
        let arena = rows.arena
        var inserted = 0
        switch mode {
        case .plain: try step(begin, "BEGIN IMMEDIATE")
        case .savepointPerRow: try database.execute("BEGIN IMMEDIATE")
        }
        for index in range {
            if mode == .savepointPerRow { try database.execute("SAVEPOINT request") }
            bind(rows.rows[index], arena)
            try step(insert, "INSERT")
            if sqlite3_changes(database.handle) == 1 {
                _ = sqlite3_last_insert_rowid(database.handle)
                inserted += 1
            }
            if mode == .savepointPerRow { try database.execute("RELEASE request") }
        }
        switch mode {
        case .plain: try step(commit, "COMMIT")
        case .savepointPerRow: try database.execute("COMMIT")
        }
        return inserted
    }

    private func step(_ statement: OpaquePointer, _ what: String) throws {
        let result = sqlite3_step(statement)
        sqlite3_reset(statement)
        guard result == SQLITE_DONE else {
            _ = sqlite3_exec(database.handle, "ROLLBACK", nil, nil, nil)
            throw database.failure(result, what)
        }
    }

    private func bind(_ row: RawRows.Row, _ arena: UnsafeMutableRawPointer) {
        let s = insert
        bindBlob(s, 1, row.id, arena)
        bindText(s, 2, row.type, arena)
        bindText(s, 3, row.payload, arena)
        sqlite3_bind_int64(s, 4, row.timestamp)
        bindText(s, 5, row.tenantId, arena)
        bindText(s, 6, row.userId, arena)
        bindText(s, 7, row.entityId, arena)
        bindText(s, 8, row.metadata, arena)
        bindText(s, 9, row.idempotencyKey, arena)
        bindText(s, 10, row.correlationId, arena)
        bindBlob(s, 11, row.causationId, arena)
        sqlite3_bind_int64(s, 12, row.schemaVersion)
        if schema == .current {
            if let hash = row.idempotencyHash { sqlite3_bind_int64(s, 13, hash) } else { sqlite3_bind_null(s, 13) }
        }
    }

    private func bindText(_ s: OpaquePointer, _ index: Int32, _ span: RawRows.Span, _ arena: UnsafeMutableRawPointer) {
        if span.length < 0 {
            sqlite3_bind_null(s, index)
        } else {
            sqlite3_bind_text(s, index, (arena + span.offset).assumingMemoryBound(to: CChar.self), Int32(span.length), sqliteStatic)
        }
    }

    private func bindBlob(_ s: OpaquePointer, _ index: Int32, _ span: RawRows.Span, _ arena: UnsafeMutableRawPointer) {
        if span.length < 0 {
            sqlite3_bind_null(s, index)
        } else {
            sqlite3_bind_blob(s, index, arena + span.offset, Int32(span.length), sqliteStatic)
        }
    }
}

/// `SELECT <all columns> FROM events WHERE entity_id = ? ORDER BY sequence`, reading
/// every column of every row (integers, and text/blob pointers and lengths) into a
/// checksum, without building Swift values.
final class RawEntityQuery {
    private let database: RawDatabase
    private let select: OpaquePointer
    private(set) var checksum: UInt64 = 0

    init(_ database: RawDatabase) throws {
        self.database = database
        select = try database.prepare(EventsSchema.byEntity)
    }

    /// Runs the query for one entity id; returns the number of rows.
    func run(_ entityId: String) throws -> Int {
        var rows = 0
        try forEachRow(entityId) { select in
            rows += 1
            for column in Int32(0)..<13 {
                switch sqlite3_column_type(select, column) {
                case SQLITE_INTEGER:
                    checksum &+= UInt64(bitPattern: sqlite3_column_int64(select, column))
                case SQLITE_TEXT:
                    if let text = sqlite3_column_text(select, column) {
                        checksum &+= UInt64(text.pointee) &+ UInt64(sqlite3_column_bytes(select, column))
                    }
                case SQLITE_BLOB:
                    if let blob = sqlite3_column_blob(select, column) {
                        checksum &+= UInt64(blob.load(as: UInt8.self)) &+ UInt64(sqlite3_column_bytes(select, column))
                    }
                default:
                    break
                }
            }
        }
        return rows
    }

    /// Binds the entity id and calls `body` with the statement on each row.
    func forEachRow(_ entityId: String, _ body: (OpaquePointer) throws -> Void) throws {
        var entity = entityId
        let bound = entity.withUTF8 { bytes in
            sqlite3_bind_text(select, 1, UnsafeRawPointer(bytes.baseAddress!).assumingMemoryBound(to: CChar.self), Int32(bytes.count), sqliteTransient)
        }
        guard bound == SQLITE_OK else { throw database.failure(bound, "bind entity id") }
        defer { sqlite3_reset(select) }
        while true {
            let result = sqlite3_step(select)
            if result == SQLITE_DONE { return }
            guard result == SQLITE_ROW else { throw database.failure(result, "select by entity") }
            try body(select)
        }
    }
}

/// `SQLITE_STATIC`: the bound bytes outlive the statement's use of them.
let sqliteStatic: sqlite3_destructor_type? = nil
/// `SQLITE_TRANSIENT`: SQLite copies the bytes before the call returns.
let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
