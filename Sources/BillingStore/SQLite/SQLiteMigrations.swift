import BillingCore
import Foundation

/// One forward-only schema change. Applied once, in its own transaction, and
/// recorded in `schema_migrations`. Never edit a released migration: add a new one.
struct SQLiteMigration: Sendable {
    let version: Int64
    let name: String
    let statements: [String]
    /// Work SQL alone cannot do, run after `statements` in the same transaction.
    var backfill: (@Sendable (SQLiteConnection) throws -> Void)?
}

/// The schema, as the sequence of migrations that builds it.
enum SQLiteSchema {
    static let migrations: [SQLiteMigration] = [
        SQLiteMigration(
            version: 1,
            name: "events, plugins and webhook endpoints",
            statements: [
                // `sequence` is the rowid: strictly increasing, assigned at insert.
                // Ids are 16-byte UUIDs; timestamps are microseconds since the epoch;
                // payload and metadata are canonical JSON text.
                """
                CREATE TABLE events (
                    sequence INTEGER PRIMARY KEY,
                    id BLOB NOT NULL UNIQUE,
                    type TEXT NOT NULL,
                    payload TEXT NOT NULL,
                    timestamp INTEGER NOT NULL,
                    tenant_id TEXT,
                    user_id TEXT,
                    entity_id TEXT,
                    metadata TEXT NOT NULL,
                    idempotency_key TEXT,
                    correlation_id TEXT,
                    causation_id BLOB,
                    schema_version INTEGER NOT NULL
                )
                """,
                // The specification's indexes (type, timestamp, tenant, user) plus entity; each
                // ends in `sequence` so filtered reads come back in order without a sort.
                "CREATE INDEX events_type ON events(type, sequence)",
                "CREATE INDEX events_timestamp ON events(timestamp)",
                "CREATE INDEX events_tenant ON events(tenant_id, sequence)",
                "CREATE INDEX events_user ON events(user_id, sequence)",
                "CREATE INDEX events_entity ON events(entity_id, sequence)",
                // Idempotency is per tenant; a missing tenant is its own tenant ('' can
                // never be a real tenant id, validation rejects empty ids).
                """
                CREATE UNIQUE INDEX events_idempotency ON events(coalesce(tenant_id, ''), idempotency_key)
                WHERE idempotency_key IS NOT NULL
                """,
                // The specification's Plugin model.
                """
                CREATE TABLE plugins (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    version TEXT NOT NULL,
                    description TEXT,
                    author TEXT,
                    is_active INTEGER NOT NULL DEFAULT 1,
                    config TEXT,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                )
                """,
                // The specification's WebhookEndpoint model; `events` is a JSON array of patterns.
                """
                CREATE TABLE webhook_endpoints (
                    id TEXT PRIMARY KEY,
                    url TEXT NOT NULL,
                    events TEXT NOT NULL DEFAULT '[]',
                    is_active INTEGER NOT NULL DEFAULT 1,
                    secret TEXT,
                    tenant_id TEXT,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                )
                """,
                "CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints(tenant_id)",
            ]
        ),
        SQLiteMigration(
            version: 2,
            name: "durable subscriptions and dead letters",
            statements: [
                // One row per durable subscription; `cursor` is the last sequence settled.
                """
                CREATE TABLE subscriptions (
                    name TEXT PRIMARY KEY,
                    patterns TEXT NOT NULL,
                    cursor INTEGER NOT NULL,
                    is_paused INTEGER NOT NULL DEFAULT 0,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                )
                """,
                """
                CREATE TABLE dead_letters (
                    id INTEGER PRIMARY KEY,
                    subscription TEXT NOT NULL REFERENCES subscriptions(name) ON DELETE CASCADE,
                    event_sequence INTEGER NOT NULL REFERENCES events(sequence),
                    attempts INTEGER NOT NULL,
                    last_error TEXT NOT NULL,
                    first_failed_at INTEGER NOT NULL,
                    last_failed_at INTEGER NOT NULL,
                    redelivery_requested INTEGER NOT NULL DEFAULT 0,
                    UNIQUE (subscription, event_sequence)
                )
                """,
                "CREATE INDEX dead_letters_redelivery ON dead_letters(subscription, redelivery_requested, id)",
            ]
        ),
        SQLiteMigration(
            version: 3,
            name: "leases, delivery attempts, plugin state and tenant settings",
            statements: [
                // The lease: who delivers the subscription, until when, and the fencing
                // token every delivering write is checked against.
                "ALTER TABLE subscriptions ADD COLUMN lease_owner TEXT",
                "ALTER TABLE subscriptions ADD COLUMN lease_token INTEGER NOT NULL DEFAULT 0",
                "ALTER TABLE subscriptions ADD COLUMN lease_expires_at INTEGER NOT NULL DEFAULT 0",
                // The run of first attempts in flight, recorded before it starts.
                "ALTER TABLE subscriptions ADD COLUMN run_first INTEGER",
                "ALTER TABLE subscriptions ADD COLUMN run_last INTEGER",
                // One row per event with attempts to remember, written before each attempt.
                """
                CREATE TABLE delivery_attempts (
                    subscription TEXT NOT NULL REFERENCES subscriptions(name) ON DELETE CASCADE,
                    sequence INTEGER NOT NULL,
                    attempts INTEGER NOT NULL,
                    next_attempt_at INTEGER,
                    first_failed_at INTEGER,
                    last_error TEXT,
                    is_suspect INTEGER NOT NULL DEFAULT 0,
                    is_dead_lettered INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (subscription, sequence)
                ) WITHOUT ROWID
                """,
                // Per-tenant settings of a plugin, secrets sealed: {"tenant": {settings}}.
                "ALTER TABLE plugins ADD COLUMN tenant_config TEXT NOT NULL DEFAULT '{}'",
                // Plugins' own key-value state; versions only ever grow, also across expiry.
                """
                CREATE TABLE plugin_state (
                    plugin TEXT NOT NULL,
                    key TEXT NOT NULL,
                    value TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    expires_at INTEGER,
                    updated_at INTEGER NOT NULL,
                    PRIMARY KEY (plugin, key)
                ) WITHOUT ROWID
                """,
                "CREATE INDEX plugin_state_expiry ON plugin_state(expires_at) WHERE expires_at IS NOT NULL",
                // Where plugin-state versions come from: one counter for the whole table,
                // so a key never gets a version again after its entry was removed.
                "CREATE TABLE plugin_state_versions (id INTEGER PRIMARY KEY CHECK (id = 1), last INTEGER NOT NULL)",
                "INSERT INTO plugin_state_versions (id, last) VALUES (1, 0)",
                // Never used; outgoing webhooks bring their own tables.
                "DROP TABLE webhook_endpoints",
            ]
        ),
        SQLiteMigration(
            version: hashedIdempotencyVersion,
            name: "idempotency index on an 8-byte hash of tenant and key",
            statements: [
                // The unique index on (tenant, key) text dirtied an index page per row
                // for a random key; one on an 8-byte hash is a third of its size. It is
                // not unique: the insert checks tenant and key themselves, under the
                // write lock, so two keys with the same hash are both stored.
                "ALTER TABLE events ADD COLUMN idempotency_hash INTEGER",
                "DROP INDEX events_idempotency",
                "CREATE INDEX events_idempotency ON events(idempotency_hash) WHERE idempotency_hash IS NOT NULL",
            ],
            backfill: SQLiteSchema.hashIdempotencyKeys
        ),
        webhookEndpointsAndMessages, webhookFailureStreaks, webhookLogPerEndpoint, auditLog,
    ]

    /// The schema version whose idempotency index holds hashes.
    static let hashedIdempotencyVersion: Int64 = 4

    /// Computes `idempotency_hash` for the rows stored before schema 4, a chunk of rows
    /// read and then updated at a time (no update under a running scan of the same table).
    private static func hashIdempotencyKeys(_ connection: SQLiteConnection) throws {
        let select = try connection.prepare(
            "SELECT sequence, tenant_id, idempotency_key FROM events WHERE sequence > ? AND idempotency_key IS NOT NULL ORDER BY sequence LIMIT 10000"
        )
        defer { select.finalize() }
        let update = try connection.prepare("UPDATE events SET idempotency_hash = ? WHERE sequence = ?")
        defer { update.finalize() }
        var after: Int64 = 0
        while true {
            select.reset()
            select.bind(1, after)
            var chunk: [(sequence: Int64, hash: Int64)] = []
            while try select.step("read idempotency keys") {
                let hash = SQLiteIdempotencyHash.hash(tenantId: select.string(1), key: select.string(2) ?? "")
                chunk.append((select.int64(0), hash))
            }
            guard let last = chunk.last else { return }
            for row in chunk {
                update.reset()
                update.bind(1, row.hash)
                update.bind(2, row.sequence)
                _ = try update.step("store an idempotency hash")
            }
            after = last.sequence
        }
    }

    static var latestVersion: Int64 { migrations.last?.version ?? 0 }

    /// Brings the database up to ``latestVersion``, one transaction per migration.
    /// A file that is not yet marked as ours (`kind`, from ``SQLiteFileOwnership``)
    /// is checked again under the write lock, then marked, in the transaction that
    /// creates `schema_migrations`: a file with that table always carries our id.
    /// - Throws: `storage.schema_too_new` if the file was written by a newer schema.
    static func migrate(_ connection: SQLiteConnection, path: String, kind: SQLiteFileOwnership.Kind, now: Date) throws {
        if kind != .bilingus {
            try connection.transaction("mark the database as a Bilingus database") {
                // Another process may have written the file since it was classified.
                _ = try SQLiteFileOwnership.classify(connection, path: path)
                try SQLiteFileOwnership.mark(connection)
                try connection.execute(
                    """
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        version INTEGER PRIMARY KEY,
                        name TEXT NOT NULL,
                        applied_at INTEGER NOT NULL
                    )
                    """,
                    "create the schema_migrations table"
                )
            }
        }
        let current = try checkVersion(connection)
        for migration in migrations where migration.version > current {
            try connection.transaction("apply migration \(migration.version) (\(migration.name))") {
                // Read the version again under the write lock: another process opening
                // the same new file may have applied this migration meanwhile.
                let applied = try connection.scalarInt("SELECT max(version) FROM schema_migrations", "read the schema version") ?? 0
                guard applied < migration.version else { return }
                for sql in migration.statements {
                    try connection.execute(sql, "apply migration \(migration.version) (\(migration.name))")
                }
                try migration.backfill?(connection)
                let record = try connection.statement("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
                defer { record.reset() }
                record.bind(1, migration.version)
                record.bind(2, migration.name)
                record.bind(3, Timestamp.microseconds(now))
                _ = try record.step("record migration \(migration.version)")
            }
        }
    }

    /// The file's schema version; throws `storage.schema_too_new` above ``latestVersion``.
    @discardableResult
    static func checkVersion(_ connection: SQLiteConnection) throws -> Int64 {
        let current = try connection.scalarInt("SELECT max(version) FROM schema_migrations", "read the schema version") ?? 0
        guard current <= latestVersion else {
            throw BillingError(
                .storageSchemaTooNew,
                "The database has schema version \(current), newer than the \(latestVersion) this version of Bilingus knows; upgrade Bilingus to open it"
            )
        }
        return current
    }
}
