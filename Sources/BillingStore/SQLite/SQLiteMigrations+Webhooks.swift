/// Migrations 5 to 7: outgoing webhooks (endpoints, messages, the delivery log).
extension SQLiteSchema {
    static let webhookEndpointsAndMessages = SQLiteMigration(
        version: 5,
        name: "outgoing webhook endpoints, messages and their delivery log",
        statements: [
            // One row per endpoint; a NULL tenant is host-wide. Patterns, metadata and the
            // sealed secrets are canonical JSON; `version` grows at every update.
            """
            CREATE TABLE webhook_endpoints (
                id TEXT PRIMARY KEY,
                tenant_id TEXT,
                url TEXT NOT NULL,
                event_patterns TEXT NOT NULL,
                is_active INTEGER NOT NULL,
                disabled_reason TEXT,
                description TEXT,
                metadata TEXT NOT NULL,
                rate_limit_per_second INTEGER,
                secrets TEXT NOT NULL,
                version INTEGER NOT NULL,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL
            ) WITHOUT ROWID
            """,
            "CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints(tenant_id, id)",
            // One row per (event, endpoint): its own schedule and claim. Deleting the
            // endpoint deletes its messages and their log.
            """
            CREATE TABLE webhook_messages (
                id TEXT PRIMARY KEY,
                endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
                event_id BLOB NOT NULL,
                tenant_id TEXT,
                status TEXT NOT NULL,
                attempts INTEGER NOT NULL,
                next_attempt_at INTEGER,
                claim_token INTEGER,
                claimed_until INTEGER,
                last_status_code INTEGER,
                last_error TEXT,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL
            ) WITHOUT ROWID
            """,
            "CREATE INDEX webhook_messages_due ON webhook_messages(next_attempt_at, id) WHERE status = 'pending'",
            "CREATE INDEX webhook_messages_endpoint ON webhook_messages(endpoint_id, id)",
            // The delivery log: one row per attempt.
            """
            CREATE TABLE webhook_attempts (
                message_id TEXT NOT NULL REFERENCES webhook_messages(id) ON DELETE CASCADE,
                attempt INTEGER NOT NULL,
                endpoint_id TEXT NOT NULL,
                started_at INTEGER NOT NULL,
                duration_us INTEGER NOT NULL,
                status_code INTEGER,
                response_body TEXT,
                error TEXT,
                PRIMARY KEY (message_id, attempt)
            ) WITHOUT ROWID
            """,
            "CREATE INDEX webhook_attempts_started ON webhook_attempts(started_at)",
        ]
    )

    static let webhookFailureStreaks = SQLiteMigration(
        version: 6,
        name: "webhook endpoint failure streaks",
        statements: [
            // What auto-disable after sustained failure measures: since when every attempt
            // failed, and how many messages used up their schedule since the last success.
            "ALTER TABLE webhook_endpoints ADD COLUMN failing_since INTEGER",
            "ALTER TABLE webhook_endpoints ADD COLUMN exhausted_messages INTEGER NOT NULL DEFAULT 0",
        ]
    )

    static let webhookLogPerEndpoint = SQLiteMigration(
        version: 7,
        name: "webhook delivery log per endpoint",
        statements: [
            // An endpoint's attempts across its messages, newest first, in pages.
            "CREATE INDEX webhook_attempts_endpoint ON webhook_attempts(endpoint_id, started_at, message_id, attempt)"
        ]
    )
}
