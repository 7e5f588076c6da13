import BillingCore
import CBilingusSQLite

/// One SQLite connection and its prepared-statement cache.
///
/// Not thread-safe by design: each connection is confined to one serial queue
/// (the writer's, or one reader's), so it is opened in multi-thread mode
/// (`SQLITE_OPEN_NOMUTEX`) and skips SQLite's own locking.
final class SQLiteConnection {
    enum Mode {
        case readWrite
        case readOnly
    }

    static let statementCacheLimit = 128

    let handle: OpaquePointer
    let isReadOnly: Bool
    /// The store's watch over its file, shared by all its connections (none for a probe).
    let fileGuard: SQLiteFileGuard?
    private var statements: [String: SQLiteStatement] = [:]
    private var isClosed = false

    /// Opens `path` (a file path or a `file:` URI). A read-write connection with a
    /// `fileGuard` checks it at every commit.
    init(path: String, mode: Mode, fileGuard: SQLiteFileGuard? = nil) throws {
        isReadOnly = mode == .readOnly
        self.fileGuard = fileGuard
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI
        switch mode {
        case .readWrite: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        case .readOnly: flags |= SQLITE_OPEN_READONLY
        }
        var pointer: OpaquePointer?
        let result = sqlite3_open_v2(path, &pointer, flags, nil)
        guard result == SQLITE_OK, let pointer else {
            let message = pointer.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            let extended = pointer.map { sqlite3_extended_errcode($0) } ?? result
            sqlite3_close_v2(pointer)
            throw SQLiteError(resultCode: result & 0xFF, extendedResultCode: extended, message: message, operation: "open the database").billingError
        }
        handle = pointer
        sqlite3_extended_result_codes(handle, 1)
        if mode == .readWrite {
            fileGuard?.install(on: handle)
        }
    }

    deinit {
        close()
    }

    /// Finalizes the cached statements and closes the connection; calling it again does nothing.
    func close() {
        guard !isClosed else { return }
        isClosed = true
        for statement in statements.values {
            statement.finalize()
        }
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    /// A ``BillingError`` for the connection's last failure. A damaged page is
    /// reported to the file guard (which then refuses writes); a commit the guard
    /// refused is reported with the guard's reason.
    func error(_ result: Int32, _ operation: String) -> BillingError {
        let extended = sqlite3_extended_errcode(handle)
        if extended == sqliteConstraintCommitHook, let problem = fileGuard?.problem() {
            return problem
        }
        let error = SQLiteError(
            resultCode: result & 0xFF,
            extendedResultCode: extended,
            message: String(cString: sqlite3_errmsg(handle)),
            operation: operation
        ).billingError
        if result & 0xFF == SQLITE_CORRUPT || result & 0xFF == SQLITE_NOTADB {
            fileGuard?.recordDamage(error)
        }
        return error
    }

    /// Runs SQL without parameters (DDL, pragmas, transaction control).
    func execute(_ sql: String, _ operation: String) throws {
        let result = sqlite3_exec(handle, sql, nil, nil, nil)
        guard result == SQLITE_OK else { throw error(result, operation) }
    }

    /// The cached prepared statement for `sql`, reset and with bindings cleared.
    func statement(_ sql: String) throws -> SQLiteStatement {
        if let cached = statements[sql] {
            cached.reset()
            return cached
        }
        let statement = try prepare(sql)
        // Filter queries vary in shape; keep the cache bounded rather than clever.
        if statements.count >= Self.statementCacheLimit {
            for cached in statements.values { cached.finalize() }
            statements.removeAll()
        }
        statements[sql] = statement
        return statement
    }

    /// A new statement the caller owns (for one-off SQL that should not be cached).
    func prepare(_ sql: String) throws -> SQLiteStatement {
        var pointer: OpaquePointer?
        let result = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &pointer, nil)
        guard result == SQLITE_OK, let pointer else { throw error(result, "prepare a statement") }
        return SQLiteStatement(handle: pointer, connection: self)
    }

    /// Reads a single integer (`PRAGMA page_count`, `SELECT max(...)`).
    func scalarInt(_ sql: String, _ operation: String) throws -> Int64? {
        let statement = try self.statement(sql)
        defer { statement.reset() }
        guard try statement.step(operation) else { return nil }
        return statement.optionalInt64(0)
    }

    /// Reads a single text value (`PRAGMA journal_mode`).
    func scalarText(_ sql: String, _ operation: String) throws -> String? {
        let statement = try prepare(sql)
        defer { statement.finalize() }
        guard try statement.step(operation) else { return nil }
        return statement.string(0)
    }

    /// Whether a transaction is open on this connection.
    var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Runs `body` in a transaction, committing if it returns and rolling back if it throws.
    /// Inside a transaction already (a write joining a group commit), `body` just runs:
    /// the writer has put it in a savepoint of its own if others share the transaction.
    func transaction<Result>(_ operation: String, _ body: () throws -> Result) throws -> Result {
        if isInTransaction { return try body() }
        try execute("BEGIN IMMEDIATE", operation)
        do {
            let result = try body()
            try execute("COMMIT", operation)
            return result
        } catch {
            rollback()
            throw error
        }
    }

    /// Rolls back the open transaction, if any. After some errors (`SQLITE_FULL`,
    /// I/O errors) SQLite has already rolled back; that is not a second failure.
    func rollback() {
        if isInTransaction {
            sqlite3_exec(handle, "ROLLBACK", nil, nil, nil)
        }
    }

    var changes: Int32 { sqlite3_changes(handle) }
    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
}

/// A prepared statement. Bind by 1-based index, read columns by 0-based index.
final class SQLiteStatement {
    let handle: OpaquePointer
    private unowned let connection: SQLiteConnection

    init(handle: OpaquePointer, connection: SQLiteConnection) {
        self.handle = handle
        self.connection = connection
    }

    func finalize() {
        sqlite3_finalize(handle)
    }

    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    // MARK: Binding (every value is bound, never interpolated into SQL)

    func bind(_ index: Int32, _ value: Int64?) {
        if let value {
            sqlite3_bind_int64(handle, index, value)
        } else {
            sqlite3_bind_null(handle, index)
        }
    }

    func bind(_ index: Int32, _ value: String?) {
        if let value {
            var value = value
            value.withUTF8 { bytes in
                _ = sqlite3_bind_text(handle, index, bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, Int32(bytes.count), sqliteTransient)
            }
        } else {
            sqlite3_bind_null(handle, index)
        }
    }

    /// Binds UTF-8 bytes as TEXT (canonical JSON).
    func bindText(_ index: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            if let base = buffer.baseAddress {
                _ = sqlite3_bind_text(handle, index, base.assumingMemoryBound(to: CChar.self), Int32(buffer.count), sqliteTransient)
            } else {
                _ = sqlite3_bind_text(handle, index, "", 0, sqliteTransient)
            }
        }
    }

    func bindBlob(_ index: Int32, _ bytes: [UInt8]?) {
        guard let bytes else {
            sqlite3_bind_null(handle, index)
            return
        }
        bytes.withUnsafeBytes { buffer in
            _ = sqlite3_bind_blob(handle, index, buffer.baseAddress, Int32(buffer.count), sqliteTransient)
        }
    }

    // MARK: Stepping

    /// Advances; `true` if a row is available, `false` when done.
    func step(_ operation: String) throws -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let result: throw connection.error(result, operation)
        }
    }

    // MARK: Reading

    var columnCount: Int32 { sqlite3_column_count(handle) }

    func isNull(_ column: Int32) -> Bool {
        sqlite3_column_type(handle, column) == SQLITE_NULL
    }

    func int64(_ column: Int32) -> Int64 {
        sqlite3_column_int64(handle, column)
    }

    func optionalInt64(_ column: Int32) -> Int64? {
        isNull(column) ? nil : int64(column)
    }

    func string(_ column: Int32) -> String? {
        guard let text = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    /// The column's bytes, valid only until the next step or reset.
    func withBytes<Result>(_ column: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result? {
        let count = Int(sqlite3_column_bytes(handle, column))
        if sqlite3_column_type(handle, column) == SQLITE_BLOB {
            guard let blob = sqlite3_column_blob(handle, column) else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
            return try body(UnsafeBufferPointer(start: blob.assumingMemoryBound(to: UInt8.self), count: count))
        }
        guard let text = sqlite3_column_text(handle, column) else { return nil }
        return try body(UnsafeBufferPointer(start: text, count: count))
    }
}

/// `SQLITE_CONSTRAINT_COMMITHOOK`, a macro Swift does not import: a commit hook refused the commit.
let sqliteConstraintCommitHook = SQLITE_CONSTRAINT | (2 << 8)

/// SQLite's `SQLITE_TRANSIENT`: copy the bound bytes before the call returns.
let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
