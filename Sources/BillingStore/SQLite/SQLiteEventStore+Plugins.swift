public import BillingCore
import Foundation

/// Installed plugins in the seed's `Plugin` table (`plugins`, created by migration 1).
extension SQLiteEventStore: PluginRecordStore {
    public func savePluginRecord(_ record: PluginRecord) async throws {
        let config = CanonicalJSON.string(record.settings.storageJSON)
        try await writer.withConnection { connection in
            let upsert = try connection.statement(
                """
                INSERT INTO plugins (id, name, version, description, author, is_active, config, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET
                    version = excluded.version, description = excluded.description, author = excluded.author,
                    is_active = excluded.is_active, config = excluded.config, updated_at = excluded.updated_at
                """
            )
            defer { upsert.reset() }
            upsert.bind(1, record.id)
            upsert.bind(2, record.name)
            upsert.bind(3, record.version)
            upsert.bind(4, record.description)
            upsert.bind(5, record.author)
            upsert.bind(6, record.isActive ? 1 : 0)
            upsert.bind(7, config)
            upsert.bind(8, Timestamp.microseconds(record.createdAt))
            upsert.bind(9, Timestamp.microseconds(record.updatedAt))
            _ = try upsert.step("save a plugin record")
        }
    }

    public func pluginRecords() async throws -> [PluginRecord] {
        try await readers.read(inline: true) { connection in
            let statement = try connection.statement(
                "SELECT id, name, version, description, author, is_active, config, created_at, updated_at FROM plugins ORDER BY name"
            )
            defer { statement.reset() }
            var records: [PluginRecord] = []
            while try statement.step("read plugin records") {
                let settings = try statement.string(6).map { try PluginSettings(storageJSON: CanonicalJSON.decode($0)) } ?? PluginSettings()
                records.append(
                    PluginRecord(
                        id: statement.string(0) ?? "", name: statement.string(1) ?? "", version: statement.string(2) ?? "",
                        description: statement.string(3), author: statement.string(4), isActive: statement.int64(5) != 0,
                        settings: settings, createdAt: Timestamp.date(microseconds: statement.int64(7)),
                        updatedAt: Timestamp.date(microseconds: statement.int64(8))
                    )
                )
            }
            return records
        }
    }

    public func deletePluginRecord(named name: String) async throws -> Bool {
        try await writer.withConnection { connection in
            let delete = try connection.statement("DELETE FROM plugins WHERE name = ?")
            defer { delete.reset() }
            delete.bind(1, name)
            _ = try delete.step("delete a plugin record")
            return connection.changes > 0
        }
    }
}
