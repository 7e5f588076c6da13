public import BillingCore
public import Foundation

/// Plugins' own key-value state in `plugin_state`: every change is one short
/// transaction on the writer, so conditions are checked and applied atomically.
/// Versions come from one counter (`plugin_state_versions`), never reused.
extension SQLiteEventStore: PluginStateStore {
    public func pluginState(plugin: String, key: String, now: Date) async throws -> PluginStateEntry? {
        try await readers.read(inline: true) { connection in
            try Self.liveEntry(plugin: plugin, key: key, now: now, connection)
        }
    }

    public func putPluginState(
        plugin: String, key: String, value: JSONValue, condition: StateCondition, expiresAt: Date?, now: Date
    ) async throws -> PluginStateEntry? {
        let text = CanonicalJSON.string(value)
        return try await writer.withConnection { connection in
            try connection.transaction("write plugin state") {
                let current = try Self.row(plugin: plugin, key: key, connection)
                let live = current.flatMap { $0.isLive(at: now) ? $0.entry : nil }
                guard Self.holds(condition, live) else { return nil }
                // From the table-wide counter: never reused, so a stale compare-and-set always fails.
                let counter = try connection.statement("UPDATE plugin_state_versions SET last = last + 1 WHERE id = 1 RETURNING last")
                defer { counter.reset() }
                guard try counter.step("number a plugin state version") else {
                    throw BillingError(.storageCorrupt, "The plugin state version counter is missing", field: "plugin_state_versions")
                }
                let version = counter.int64(0)
                counter.reset()
                let upsert = try connection.statement(
                    """
                    INSERT INTO plugin_state (plugin, key, value, version, expires_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (plugin, key) DO UPDATE SET
                        value = excluded.value, version = excluded.version, expires_at = excluded.expires_at, updated_at = excluded.updated_at
                    """
                )
                defer { upsert.reset() }
                upsert.bind(1, plugin)
                upsert.bind(2, key)
                upsert.bind(3, text)
                upsert.bind(4, version)
                upsert.bind(5, expiresAt.map(Timestamp.microseconds))
                upsert.bind(6, Timestamp.microseconds(now))
                _ = try upsert.step("write plugin state")
                return PluginStateEntry(
                    key: key, value: value, version: version, expiresAt: expiresAt.map(Timestamp.normalize), updatedAt: Timestamp.normalize(now)
                )
            }
        }
    }

    public func deletePluginState(plugin: String, key: String, condition: StateCondition, now: Date) async throws -> Bool {
        try await writer.withConnection { connection in
            try connection.transaction("delete plugin state") {
                guard let current = try Self.row(plugin: plugin, key: key, connection), current.isLive(at: now) else { return false }
                guard Self.holds(condition, current.entry) else { return false }
                let delete = try connection.statement("DELETE FROM plugin_state WHERE plugin = ? AND key = ?")
                defer { delete.reset() }
                delete.bind(1, plugin)
                delete.bind(2, key)
                _ = try delete.step("delete plugin state")
                return true
            }
        }
    }

    public func pluginStates(plugin: String, prefix: String, after afterKey: String?, limit: Int, now: Date) async throws -> [PluginStateEntry] {
        try await readers.read(inline: true) { connection in
            // The prefix as a key range, so the primary key answers it.
            let statement = try connection.statement(
                """
                SELECT key, value, version, expires_at, updated_at FROM plugin_state
                WHERE plugin = ? AND key >= ? AND key < ? AND key > ? AND (expires_at IS NULL OR expires_at > ?)
                ORDER BY key LIMIT ?
                """
            )
            defer { statement.reset() }
            statement.bind(1, plugin)
            statement.bind(2, prefix)
            statement.bind(3, prefix + "\u{10FFFF}")
            statement.bind(4, afterKey ?? "")
            statement.bind(5, Timestamp.microseconds(now))
            statement.bind(6, Int64(limit))
            var entries: [PluginStateEntry] = []
            while try statement.step("list plugin state") {
                entries.append(try Self.decodeEntry(statement))
            }
            return entries
        }
    }

    public func removeExpiredPluginState(before date: Date) async throws -> Int {
        try await writer.withConnection { connection in
            let delete = try connection.statement("DELETE FROM plugin_state WHERE expires_at IS NOT NULL AND expires_at <= ?")
            defer { delete.reset() }
            delete.bind(1, Timestamp.microseconds(date))
            _ = try delete.step("remove expired plugin state")
            return Int(connection.changes)
        }
    }

    // MARK: Helpers

    private struct Row {
        let entry: PluginStateEntry
        func isLive(at now: Date) -> Bool { entry.expiresAt.map { $0 > now } ?? true }
    }

    private static func holds(_ condition: StateCondition, _ live: PluginStateEntry?) -> Bool {
        switch condition {
        case .any: true
        case .absent: live == nil
        case .version(let version): live?.version == version
        }
    }

    private static func row(plugin: String, key: String, _ connection: SQLiteConnection) throws -> Row? {
        let statement = try connection.statement("SELECT key, value, version, expires_at, updated_at FROM plugin_state WHERE plugin = ? AND key = ?")
        defer { statement.reset() }
        statement.bind(1, plugin)
        statement.bind(2, key)
        return try statement.step("read plugin state") ? Row(entry: try decodeEntry(statement)) : nil
    }

    private static func liveEntry(plugin: String, key: String, now: Date, _ connection: SQLiteConnection) throws -> PluginStateEntry? {
        guard let row = try row(plugin: plugin, key: key, connection), row.isLive(at: now) else { return nil }
        return row.entry
    }

    private static func decodeEntry(_ statement: SQLiteStatement) throws -> PluginStateEntry {
        guard let key = statement.string(0), let text = statement.string(1) else {
            throw BillingError(.storageCorrupt, "A stored plugin state entry is unreadable", field: "plugin_state")
        }
        return PluginStateEntry(
            key: key, value: try CanonicalJSON.decode(text), version: statement.int64(2),
            expiresAt: statement.optionalInt64(3).map(Timestamp.date(microseconds:)), updatedAt: Timestamp.date(microseconds: statement.int64(4))
        )
    }
}
