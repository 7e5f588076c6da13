import CSQLiteBaseline

/// The two `events` schemas the raw baselines write: the store's current one (schema 4:
/// the idempotency index on an 8-byte hash of tenant and key, checked by the insert) and
/// the one before it (schema 1–3: a unique index on the key's text), with the checkpoint
/// interval each came with. Scenario 2 runs both in one process.
///
/// The DDL is spelled out here, not taken from the store, so the same harness builds
/// against a store of either schema (to measure before and after a change); the
/// `newSchemaMatchesStore` check guards against drift.
enum RawSchema: String, CaseIterable {
    /// Schema 4, `wal_autocheckpoint` 40,000 (the store's default from schema 4 on).
    case current
    /// Schema 1–3, `wal_autocheckpoint` 10,000 (the store's default before).
    case old

    var walAutocheckpoint: Int {
        switch self {
        case .current: 40_000
        case .old: 10_000
        }
    }

    static let table = """
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
        """

    static let commonIndexes = [
        "CREATE INDEX events_type ON events(type, sequence)",
        "CREATE INDEX events_timestamp ON events(timestamp)",
        "CREATE INDEX events_tenant ON events(tenant_id, sequence)",
        "CREATE INDEX events_user ON events(user_id, sequence)",
        "CREATE INDEX events_entity ON events(entity_id, sequence)",
    ]

    var statements: [String] {
        switch self {
        case .old:
            return [Self.table] + Self.commonIndexes + [
                "CREATE UNIQUE INDEX events_idempotency ON events(coalesce(tenant_id, ''), idempotency_key) WHERE idempotency_key IS NOT NULL",
            ]
        case .current:
            return [Self.table, "ALTER TABLE events ADD COLUMN idempotency_hash INTEGER"] + Self.commonIndexes + [
                "CREATE INDEX events_idempotency ON events(idempotency_hash) WHERE idempotency_hash IS NOT NULL",
            ]
        }
    }

    /// The insert the store's writer runs on this schema.
    var insert: String {
        switch self {
        case .old:
            return """
                INSERT INTO events (id, type, payload, timestamp, tenant_id, user_id, entity_id, metadata, idempotency_key, correlation_id, causation_id, schema_version)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                """
        case .current:
            return """
                INSERT INTO events (id, type, payload, timestamp, tenant_id, user_id, entity_id, metadata, idempotency_key, correlation_id, causation_id, schema_version, idempotency_hash)
                SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13
                WHERE NOT EXISTS (
                    SELECT 1 FROM events WHERE idempotency_hash = ?13 AND coalesce(tenant_id, '') = coalesce(?5, '') AND idempotency_key = ?9
                )
                ON CONFLICT DO NOTHING
                """
        }
    }

    /// Creates the schema on a new file (WAL, the schema's checkpoint interval).
    func create(at path: String) throws {
        let database = try RawDatabase(path: path, walAutocheckpoint: walAutocheckpoint)
        for sql in statements { try database.execute(sql) }
    }

    /// The `events` table's SQL and its indexes' on `path`, sorted, for comparing schemas.
    static func eventsSchema(at path: String) throws -> [String] {
        let database = try RawDatabase(path: path)
        let statement = try database.prepare(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'events' AND sql IS NOT NULL ORDER BY name"
        )
        var lines: [String] = []
        while sqlite3_step(statement) == SQLITE_ROW {
            if let text = sqlite3_column_text(statement, 0) { lines.append(String(cString: text)) }
        }
        sqlite3_reset(statement)
        return lines
    }
}

/// The store's 8-byte hash of (tenant, idempotency key) (`SQLiteIdempotencyHash`): FNV-1a
/// over the tenant's UTF-8 (nil is ""), a 0xFF byte, and the key's UTF-8.
func idempotencyHash(tenantId: String?, key: String) -> Int64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    func mix(_ byte: UInt8) {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01b3
    }
    for byte in (tenantId ?? "").utf8 { mix(byte) }
    mix(0xFF)
    for byte in key.utf8 { mix(byte) }
    return Int64(bitPattern: hash)
}
