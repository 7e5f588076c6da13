/// Migration 8: the audit log (chains, entries, checkpoints).
extension SQLiteSchema {
    static let auditLog = SQLiteMigration(
        version: 8,
        name: "audit log",
        statements: [
            // Each chain's head: appends compare-and-set it, so a chain stays linear; the cut
            // that retention made is kept with it.
            """
            CREATE TABLE audit_chains (
                chain TEXT PRIMARY KEY,
                head_sequence INTEGER NOT NULL,
                head_hash TEXT NOT NULL,
                pruned_through INTEGER NOT NULL,
                pruned_hash TEXT NOT NULL
            ) WITHOUT ROWID
            """,
            """
            CREATE TABLE audit_entries (
                chain TEXT NOT NULL,
                sequence INTEGER NOT NULL,
                kind TEXT NOT NULL,
                type TEXT NOT NULL,
                event_id BLOB,
                tenant_id TEXT,
                user_id TEXT,
                entity_id TEXT,
                correlation_id TEXT,
                causation_id TEXT,
                occurred_at INTEGER NOT NULL,
                recorded_at INTEGER NOT NULL,
                summary TEXT NOT NULL,
                event_digest TEXT,
                details TEXT NOT NULL,
                previous_hash TEXT NOT NULL,
                hash TEXT NOT NULL,
                PRIMARY KEY (chain, sequence)
            ) WITHOUT ROWID
            """,
            // Queries list newest first, by any one filter plus the time range.
            "CREATE INDEX audit_entries_occurred ON audit_entries(occurred_at, chain, sequence)",
            "CREATE INDEX audit_entries_tenant ON audit_entries(tenant_id, occurred_at, chain, sequence)",
            "CREATE INDEX audit_entries_entity ON audit_entries(entity_id, occurred_at, chain, sequence) WHERE entity_id IS NOT NULL",
            "CREATE INDEX audit_entries_type ON audit_entries(type, occurred_at, chain, sequence)",
            "CREATE INDEX audit_entries_user ON audit_entries(user_id, occurred_at, chain, sequence) WHERE user_id IS NOT NULL",
            // An event is recorded once: a redelivery finds its entry.
            "CREATE INDEX audit_entries_event ON audit_entries(event_id) WHERE event_id IS NOT NULL",
            """
            CREATE TABLE audit_checkpoints (
                chain TEXT NOT NULL,
                sequence INTEGER NOT NULL,
                hash TEXT NOT NULL,
                algorithm TEXT NOT NULL,
                key_id TEXT,
                signature TEXT,
                created_at INTEGER NOT NULL,
                PRIMARY KEY (chain, sequence)
            ) WITHOUT ROWID
            """,
        ]
    )
}
