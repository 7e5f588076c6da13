import BillingCore

/// Whether a database file is Bilingus's to open, decided by reading only: a file
/// that is not ours is refused before anything (journal mode, tables, its
/// application id) is written to it.
///
/// Our files carry ``applicationID`` in the header's `application_id` field. Files
/// written before it was set are recognised by their `schema_migrations` table:
/// exactly our three columns, holding our migrations' versions *and names*, in
/// order, from the first (a table of someone else's with that shape and those
/// names is not a risk worth adopting a file for). They get the id on open.
enum SQLiteFileOwnership {
    /// `PRAGMA application_id` of a Bilingus database: `BLGS` in ASCII (0x424C4753,
    /// 1112295251), not taken in SQLite's registry of application ids (magic.txt).
    static let applicationID: Int64 = 0x424C_4753

    enum Kind: Equatable {
        /// No schema objects at all (a new, empty file): ours to create.
        case empty
        /// Marked with our application id.
        case bilingus
        /// A Bilingus file from before the application id: to be marked.
        case unmarkedBilingus
    }

    /// What the file at `path` is; throws `storage.corrupt` ("not a Bilingus database")
    /// for anything else.
    static func classify(_ connection: SQLiteConnection, path: String) throws -> Kind {
        let id = try connection.scalarInt("PRAGMA application_id", "read the application id") ?? 0
        if id == applicationID { return .bilingus }
        let objects = try names(connection, "SELECT name FROM sqlite_master ORDER BY name")
        if id != 0 {
            throw notOurs(path, "its application_id is 0x\(String(UInt32(truncatingIfNeeded: id), radix: 16, uppercase: true)), another application's")
        }
        if objects.isEmpty { return .empty }
        if try isUnmarkedBilingus(connection, objects: objects) { return .unmarkedBilingus }
        let tables = try names(connection, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        let shown = tables.prefix(5).joined(separator: ", ") + (tables.count > 5 ? ", ..." : "")
        throw notOurs(path, "it already holds \(tables.isEmpty ? "schema objects" : "tables (\(shown))") and no Bilingus schema")
    }

    /// Our `schema_migrations` with a prefix of our migrations, or with none yet and
    /// nothing else in the file (an open that stopped before the first migration).
    private static func isUnmarkedBilingus(_ connection: SQLiteConnection, objects: [String]) throws -> Bool {
        guard objects.contains("schema_migrations") else { return false }
        let columns = try rows(connection, "SELECT name, upper(type), pk FROM pragma_table_info('schema_migrations') ORDER BY cid")
        guard columns == [["version", "INTEGER", "1"], ["name", "TEXT", "0"], ["applied_at", "INTEGER", "0"]] else { return false }
        let applied = try rows(connection, "SELECT version, name FROM schema_migrations ORDER BY version")
        guard !applied.isEmpty else { return objects == ["schema_migrations"] }
        let known = SQLiteSchema.migrations.map { ["\($0.version)", $0.name] }
        return applied.count <= known.count && Array(known.prefix(applied.count)) == applied
    }

    /// Marks the file as ours. Run in the transaction that creates `schema_migrations`.
    static func mark(_ connection: SQLiteConnection) throws {
        try connection.execute("PRAGMA application_id = \(applicationID)", "mark the database as a Bilingus database")
    }

    private static func notOurs(_ path: String, _ reason: String) -> BillingError {
        BillingError(
            .storageCorrupt,
            "\(path) is not a Bilingus database: \(reason). Nothing in it was changed; open a new file or a Bilingus database instead"
        )
    }

    private static func names(_ connection: SQLiteConnection, _ sql: String) throws -> [String] {
        try rows(connection, sql).map { $0.first ?? "" }
    }

    private static func rows(_ connection: SQLiteConnection, _ sql: String) throws -> [[String]] {
        let statement = try connection.prepare(sql)
        defer { statement.finalize() }
        var rows: [[String]] = []
        let columns = statement.columnCount
        while try statement.step("read the schema") {
            rows.append((0..<columns).map { statement.string($0) ?? "" })
        }
        return rows
    }
}
