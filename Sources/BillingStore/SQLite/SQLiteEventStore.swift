public import BillingCore
import CBilingusSQLite
import Foundation

/// Durable event storage in a SQLite file: the default store of Bilingus.
///
/// - **WAL mode**, so readers never block the writer or each other.
/// - **One writer connection with group commit**: concurrent appends share one
///   transaction; each batch stays atomic on its own. An idle store commits at once.
/// - **Several reader connections**, reading while the writer writes.
/// - **Durability** is ``Configuration/Synchronous-swift.enum``: `.normal` (the default) survives a
///   crash or `kill -9` of the process; `.full` also survives a power loss, at the
///   cost of an fsync per commit.
/// - **Forward-only migrations**, recorded in `schema_migrations`; a file written by
///   a newer Bilingus is refused with `storage.schema_too_new`.
/// - **Its own files only**: a Bilingus database carries `application_id`
///   0x424C4753; another application's database is refused, unchanged.
/// - **No silent loss**: once the file is deleted or moved while open, or a damaged
///   page was met, writes are refused and ``headSequence()`` reports it.
/// - Every value is bound, never interpolated; payload and metadata are stored as
///   canonical JSON text. SQLite errors become `BillingError`s carrying the SQLite
///   result code (`storage.full`, `storage.read_only`, `storage.corrupt`, ...).
///
/// Long SQLite calls run on the store's own dispatch queues, not on Swift's
/// cooperative threads. Short ones (point lookups, bounded reads, and, with
/// `synchronous = NORMAL`, a commit that finds the writer idle) run on the
/// caller's task: a thread hand-off would cost more than the call.
///
/// Several processes may share one file: SQLite's locking serializes their writes
/// (waiting up to ``Configuration/busyTimeout``), and each sees the others' events.
public final class SQLiteEventStore: EventStore {
    /// How the store opens and uses its database.
    public struct Configuration: Sendable {
        /// SQLite's `synchronous` setting in WAL mode.
        public enum Synchronous: String, Sendable, Hashable {
            /// A commit survives a crash of the process (and `kill -9`); after a power
            /// loss the last commits may be lost, never half-applied. The default.
            case normal = "NORMAL"
            /// A commit is fsynced before `append` returns: it also survives a power loss.
            case full = "FULL"
        }

        /// Durability against crashes and power loss (default ``Synchronous-swift.enum/normal``).
        public var synchronous: Synchronous
        /// How long an operation waits for a lock held by another connection or process (default 5 s).
        public var busyTimeout: Duration
        /// Reader connections (default 4).
        public var readerCount: Int
        /// The most events one group commit takes (default 4,096). A single larger batch is still committed whole.
        public var maxGroupCommitEvents: Int
        /// Under load only, how long the writer may wait for the publishers it just
        /// released before starting the next group commit (default 200 µs). An idle
        /// store never waits. `.zero` disables it.
        public var groupCommitLinger: Duration
        /// Opens the file read-only: reads work, appends fail with `storage.read_only`.
        /// A WAL database on read-only media, where its `-shm` cannot be created, is
        /// opened with `immutable=1`: no locks, and only the database file is read, so
        /// another process must not write it meanwhile.
        public var readOnly: Bool
        /// Runs `PRAGMA quick_check` at open, and refuses a damaged file with
        /// `storage.corrupt` (default `false`). It reads every page, so opening takes
        /// time in proportion to the file's size. Without it, damage is found by the
        /// first read or write that meets it; from then on the store refuses writes.
        public var quickCheckOnOpen: Bool
        /// WAL pages after which a commit also checkpoints the WAL into the database
        /// (default 40,000 pages, about 160 MiB). Under load a checkpoint writes each
        /// page dirtied since the last one once more, into the database: the rarer they
        /// are, the more of those pages were dirtied several times and are written once.
        /// SQLite's own default, 1,000, costs a third of write throughput under load;
        /// a larger WAL costs disk space (truncated at ``SQLiteEventStore/close()``) and a little read speed.
        public var walAutocheckpointPages: Int

        /// Creates a configuration; every parameter has the documented default.
        public init(
            synchronous: Synchronous = .normal,
            busyTimeout: Duration = .seconds(5),
            readerCount: Int = 4,
            maxGroupCommitEvents: Int = 4096,
            groupCommitLinger: Duration = .microseconds(200),
            readOnly: Bool = false,
            walAutocheckpointPages: Int = 40_000,
            quickCheckOnOpen: Bool = false
        ) {
            self.synchronous = synchronous
            self.busyTimeout = busyTimeout
            self.readerCount = readerCount
            self.maxGroupCommitEvents = maxGroupCommitEvents
            self.groupCommitLinger = groupCommitLinger
            self.readOnly = readOnly
            self.walAutocheckpointPages = walAutocheckpointPages
            self.quickCheckOnOpen = quickCheckOnOpen
        }
    }

    /// The database file.
    public let path: String
    /// The configuration the store was opened with.
    public let configuration: Configuration

    let writer: SQLiteWriter
    let readers: SQLiteReaderPool
    /// Refuses commits once the file moved or a damaged page was met; see ``headSequence()``.
    let fileGuard: SQLiteFileGuard
    /// Whether the file's idempotency index holds hashes (schema 4 and later; only a
    /// read-only store can have an older file open).
    let idempotencyKeysHashed: Bool

    /// Opens (creating if needed) the database at `path` and migrates it to the current schema.
    ///
    /// Nothing is written to a file before it is known to be a Bilingus database (or
    /// empty): a foreign file is refused as it was found.
    ///
    /// - Throws: `BillingError` coded `storage.corrupt` for a file that is not a SQLite
    ///   database or not a Bilingus one, or is damaged (with ``Configuration/quickCheckOnOpen``),
    ///   `storage.schema_too_new` for one written by a newer Bilingus,
    ///   `storage.read_only` if the file, its `-wal` or `-shm`, their directory or the file
    ///   system cannot be written (naming which), `storage.unavailable` if it cannot be
    ///   opened, `invalid.argument` for `:memory:` (use `InMemoryEventStore`).
    public init(path: String, configuration: Configuration = Configuration()) throws {
        guard !path.isEmpty, path != ":memory:", !path.hasPrefix("file::memory:") else {
            throw BillingError.invalid("path", "SQLiteEventStore needs a file path; use InMemoryEventStore for memory-only storage")
        }
        self.path = path
        self.configuration = configuration
        let fileGuard = SQLiteFileGuard(path: path)
        self.fileGuard = fileGuard

        let opened = try SQLiteStoreOpening.openWriter(path: path, configuration: configuration, fileGuard: fileGuard)
        idempotencyKeysHashed = opened.schemaVersion >= SQLiteSchema.hashedIdempotencyVersion
        writer = SQLiteWriter(
            connection: opened.connection,
            maxGroupEvents: configuration.maxGroupCommitEvents,
            // Without an fsync per commit, a commit is short enough to run on the
            // publisher's thread when the writer is idle; with FULL it waits for the disk.
            commitsInline: configuration.synchronous == .normal,
            linger: configuration.groupCommitLinger,
            label: "bilingus.sqlite.writer"
        )

        var readerConnections: [SQLiteConnection] = []
        for _ in 0..<max(1, configuration.readerCount) {
            readerConnections.append(
                try SQLiteStoreOpening.openReader(location: opened.location, path: path, configuration: configuration, fileGuard: fileGuard)
            )
        }
        readers = SQLiteReaderPool(connections: readerConnections, label: "bilingus.sqlite.reader")
        // Every connection has its files open now: these are the ones to stay at the path.
        fileGuard.watch()
    }

    // MARK: - EventStore

    public func append(_ events: [BillingEvent]) async throws -> [StoredEvent] {
        guard !events.isEmpty else { return [] }
        // Encoding, and building the results, happen here, on the caller's task, in
        // parallel across publishers; the single writer only binds and steps.
        let outcomes = try await writer.append(events.map(SQLiteEventRow.Encoded.init))
        return zip(events, outcomes).map { event, outcome in
            switch outcome {
            case .inserted(let sequence): StoredEvent(event: event.withSequence(sequence), isDuplicate: false)
            case .duplicate(let stored): StoredEvent(event: stored, isDuplicate: true)
            }
        }
    }

    public func events(matching filters: EventFilters) async throws -> [BillingEvent] {
        try filters.validate()
        return try await readers.read(inline: Self.isBounded(filters)) { try SQLiteReads.events(filters, $0) }
    }

    public func event(id: EventID) async throws -> BillingEvent? {
        try await readers.read(inline: true) { try SQLiteReads.event(id: id, $0) }
    }

    public func event(tenantId: String?, idempotencyKey: String) async throws -> BillingEvent? {
        let hashed = idempotencyKeysHashed
        return try await readers.read(inline: true) { try SQLiteReads.event(tenantId: tenantId, idempotencyKey: idempotencyKey, hashed: hashed, $0) }
    }

    /// The last sequence stored. Also checks the file, so health checks built on it
    /// report a database that was deleted or moved (`storage.unavailable`) or found
    /// damaged (`storage.corrupt`), while reads of what the store holds still work.
    public func headSequence() async throws -> Int64 {
        try await readers.read(inline: true) { [fileGuard] connection in
            try fileGuard.check()
            return try SQLiteReads.headSequence(connection)
        }
    }

    /// Finishes the writes queued before it, checkpoints the WAL into the database and
    /// truncates it, and closes every connection. Later calls fail with `shut_down`.
    public func close() async throws {
        defer { fileGuard.stopWatching() }
        try await writer.close()
        await readers.close()
    }

    /// Whether a read is short enough to run on the caller's task: point lookups,
    /// an entity's history, or at most ``inlineReadLimit`` events. Longer reads run
    /// on the readers' own queues so they never hold a cooperative thread for long.
    private static func isBounded(_ filters: EventFilters) -> Bool {
        filters.entityId != nil || (filters.limit.map { $0 <= inlineReadLimit } ?? false)
    }

    /// The largest `limit` read on the caller's task.
    static let inlineReadLimit = 1000

    // MARK: - Maintenance and diagnostics (package access, for tests and tools)

    /// Runs SQL on the writer connection between group commits (pragmas in fault tests).
    package func executeOnWriter(_ sql: String) async throws {
        try await writer.withConnectionAlone { try $0.execute(sql, "run maintenance SQL") }
    }

    /// Reads one integer on the writer connection (`PRAGMA page_count`).
    package func scalarOnWriter(_ sql: String) async throws -> Int64? {
        try await writer.withConnectionAlone { try $0.scalarInt(sql, "run maintenance SQL") }
    }

    /// The `EXPLAIN QUERY PLAN` lines for `sql`, its parameters left unbound.
    package func queryPlan(sql: String) async throws -> [String] {
        try await readers.read(inline: false) { connection in
            let statement = try connection.prepare("EXPLAIN QUERY PLAN " + sql)
            defer { statement.finalize() }
            var lines: [String] = []
            while try statement.step("explain a query") {
                lines.append(statement.string(3) ?? "")
            }
            return lines
        }
    }

    /// The `EXPLAIN QUERY PLAN` lines for the query `filters` would run.
    package func queryPlan(for filters: EventFilters) async throws -> [String] {
        try await readers.read(inline: false) { connection in
            let query = SQLiteEventQuery(filters)
            let statement = try connection.prepare("EXPLAIN QUERY PLAN " + query.sql)
            defer { statement.finalize() }
            query.bind(to: statement)
            var lines: [String] = []
            while try statement.step("explain a query") {
                lines.append(statement.string(3) ?? "")
            }
            return lines
        }
    }

    /// `PRAGMA integrity_check`: `["ok"]` for a healthy database.
    package func integrityCheck() async throws -> [String] {
        try await readers.read(inline: false) { connection in
            let statement = try connection.prepare("PRAGMA integrity_check")
            defer { statement.finalize() }
            var lines: [String] = []
            while try statement.step("check integrity") {
                lines.append(statement.string(0) ?? "")
            }
            return lines
        }
    }
}
