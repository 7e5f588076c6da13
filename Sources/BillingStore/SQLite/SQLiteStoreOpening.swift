import BillingCore
import CBilingusSQLite
import Foundation

/// How ``SQLiteEventStore`` opens its file: the order of the checks matters.
///
/// Nothing is written before the file is known to be ours: the header is read,
/// then the application id and the schema (``SQLiteFileOwnership``), then the
/// optional `quick_check`; only then is the journal switched to WAL and the file
/// marked and migrated.
enum SQLiteStoreOpening {
    /// The writer connection, and what the readers should open: the path, or the
    /// `immutable=1` URI a read-only store fell back to.
    struct Opened {
        let connection: SQLiteConnection
        let location: String
        /// The file's schema version: the latest after a read-write open, the file's own
        /// when read-only (an older file keeps its older idempotency index).
        let schemaVersion: Int64
    }

    typealias Configuration = SQLiteEventStore.Configuration

    static func openWriter(path: String, configuration: Configuration, fileGuard: SQLiteFileGuard) throws -> Opened {
        if configuration.readOnly {
            return try openReadOnly(path: path, configuration: configuration, fileGuard: fileGuard)
        }
        SQLiteWriteAccess.restoreStaleShmMode(path)
        do {
            let connection = try SQLiteConnection(path: path, mode: .readWrite, fileGuard: fileGuard)
            // Closing the last connection checkpoints a WAL into its database: if the
            // file is refused, the close must leave another application's WAL alone.
            let holdsWAL = (fileSize(path + "-wal") ?? 0) > 0
            if holdsWAL { bilingus_sqlite3_no_checkpoint_on_close(connection.handle, 1) }
            try readHeader(connection, configuration)
            if sqlite3_db_readonly(connection.handle, "main") == 1 {
                throw SQLiteWriteAccess.readOnlyError(path, while: "open the database for writing")
                    ?? BillingError(.storageReadOnly, "SQLite could open \(path) only read-only; check its permissions, or open the store with readOnly: true")
            }
            let kind = try SQLiteFileOwnership.classify(connection, path: path)
            if holdsWAL { bilingus_sqlite3_no_checkpoint_on_close(connection.handle, 0) }
            if configuration.quickCheckOnOpen { try quickCheck(connection, path) }
            try switchToWAL(connection, configuration)
            // A read-only -shm lets SQLite read but not write: find out now, not at the first append.
            try connection.execute("BEGIN IMMEDIATE", "start a write transaction")
            connection.rollback()
            try SQLiteSchema.migrate(connection, path: path, kind: kind, now: Date())
            try configureSession(connection, configuration, isWriter: true)
            return Opened(connection: connection, location: path, schemaVersion: SQLiteSchema.latestVersion)
        } catch let error as BillingError {
            throw diagnosed(error, path, "open the database for writing")
        }
    }

    /// Opens a reader connection at `location` (see ``Opened``).
    static func openReader(location: String, path: String, configuration: Configuration, fileGuard: SQLiteFileGuard) throws -> SQLiteConnection {
        let mode: SQLiteConnection.Mode = configuration.readOnly ? .readOnly : .readWrite
        do {
            let connection = try SQLiteConnection(path: location, mode: mode, fileGuard: fileGuard)
            try readHeader(connection, configuration)
            try configureSession(connection, configuration, isWriter: false)
            return connection
        } catch let error as BillingError {
            throw diagnosed(error, path, "open a reader connection")
        }
    }

    /// A read-only open. A WAL database on read-only media cannot be read the usual
    /// way (SQLite cannot create its `-shm`); it is then opened `immutable=1`, which
    /// takes no locks and reads only the database file.
    private static func openReadOnly(path: String, configuration: Configuration, fileGuard: SQLiteFileGuard) throws -> Opened {
        var location = path
        let connection: SQLiteConnection
        let usual = try SQLiteConnection(path: path, mode: .readOnly, fileGuard: fileGuard)
        do {
            try readHeader(usual, configuration)
            connection = usual
        } catch let error as BillingError where isCannotOpen(error) {
            usual.close()
            guard let problem = SQLiteWriteAccess.problem(with: path) else { throw error }
            if let walSize = fileSize(path + "-wal"), walSize > 0 {
                throw BillingError(
                    .storageReadOnly,
                    "\(path)-wal holds commits that are not in \(path) yet, and cannot be read without a -shm, which cannot be created here (\(problem)); open the database once on writable storage, so that closing it checkpoints the WAL",
                    underlying: error
                )
            }
            location = immutableURI(path)
            connection = try SQLiteConnection(path: location, mode: .readOnly, fileGuard: fileGuard)
            try readHeader(connection, configuration)
        }
        let kind = try SQLiteFileOwnership.classify(connection, path: path)
        guard kind != .empty else {
            throw BillingError(.storageUnavailable, "\(path) has no Bilingus schema and cannot be created read-only")
        }
        let schemaVersion = try SQLiteSchema.checkVersion(connection)
        if configuration.quickCheckOnOpen { try quickCheck(connection, path) }
        try configureSession(connection, configuration, isWriter: true)
        return Opened(connection: connection, location: location, schemaVersion: schemaVersion)
    }

    /// The first real read: where a file that is not a database, or a damaged
    /// header, is detected.
    private static func readHeader(_ connection: SQLiteConnection, _ configuration: Configuration) throws {
        let (seconds, attoseconds) = configuration.busyTimeout.components
        sqlite3_busy_timeout(connection.handle, Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000))
        _ = try connection.scalarInt("PRAGMA schema_version", "read the database header")
    }

    private static func switchToWAL(_ connection: SQLiteConnection, _ configuration: Configuration) throws {
        let journal = try connection.scalarText("PRAGMA journal_mode = WAL", "switch to WAL mode")
        guard journal?.lowercased() == "wal" else {
            throw BillingError(.storageFailure, "SQLite refused WAL mode for this database (journal mode is \(journal ?? "unknown"))")
        }
        try connection.execute("PRAGMA wal_autocheckpoint = \(max(0, configuration.walAutocheckpointPages))", "set the WAL checkpoint interval")
        // Overwrite deleted and replaced content, so an old value (a secret sealed
        // afresh, a deleted record) does not linger in free space of the file.
        try connection.execute("PRAGMA secure_delete = ON", "enable secure delete")
    }

    private static func configureSession(_ connection: SQLiteConnection, _ configuration: Configuration, isWriter: Bool) throws {
        try connection.execute("PRAGMA synchronous = \(configuration.synchronous.rawValue)", "set the synchronous mode")
        try connection.execute("PRAGMA foreign_keys = ON", "enable foreign keys")
        if !isWriter {
            try connection.execute("PRAGMA query_only = ON", "make a reader connection query-only")
        }
    }

    /// `PRAGMA quick_check`: reads every page (time in proportion to the file's size).
    private static func quickCheck(_ connection: SQLiteConnection, _ path: String) throws {
        let statement = try connection.prepare("PRAGMA quick_check(5)")
        defer { statement.finalize() }
        var findings: [String] = []
        while try statement.step("check the database (quick_check)") {
            findings.append(statement.string(0) ?? "")
        }
        guard findings == ["ok"] else {
            throw BillingError(.storageCorrupt, "\(path) is damaged: quick_check found \(findings.joined(separator: "; "))")
        }
    }

    /// A read-only or cannot-open failure, restated with the file at fault when one is found.
    private static func diagnosed(_ error: BillingError, _ path: String, _ operation: String) -> BillingError {
        guard error.underlying is SQLiteError, isCannotOpen(error) || error.code == .storageReadOnly,
              let restated = SQLiteWriteAccess.readOnlyError(path, while: operation, underlying: error)
        else { return error }
        return restated
    }

    private static func isCannotOpen(_ error: BillingError) -> Bool {
        (error.underlying as? SQLiteError)?.resultCode == SQLITE_CANTOPEN
    }

    private static func fileSize(_ path: String) -> Int64? {
        var status = stat()
        return stat(path, &status) == 0 ? Int64(status.st_size) : nil
    }

    /// `file:<path>?immutable=1`, with the characters a URI path cannot hold escaped.
    static func immutableURI(_ path: String) -> String {
        var escaped = ""
        for character in path.unicodeScalars {
            switch character {
            case "%": escaped += "%25"
            case "?": escaped += "%3F"
            case "#": escaped += "%23"
            default: escaped.unicodeScalars.append(character)
            }
        }
        let absolute = escaped.hasPrefix("/") ? "//" + escaped : escaped
        return "file:\(absolute)?immutable=1"
    }
}
