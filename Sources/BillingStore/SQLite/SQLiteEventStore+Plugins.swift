public import BillingCore
import Foundation

/// Installed plugins in the specification's `Plugin` table (`plugins`), with the
/// per-tenant settings in `tenant_config`. Settings arrive sealed; they are stored as given.
extension SQLiteEventStore: PluginRecordStore {
    private static let pluginColumns = "id, name, version, description, author, is_active, config, tenant_config, created_at, updated_at"

    public func savePluginRecord(_ record: PluginRecord) async throws {
        let config = CanonicalJSON.string(record.settings.json)
        let tenants = CanonicalJSON.string(.object(JSONObject(record.tenantSettings.mapValues(\.json))))
        try await writer.withConnection { connection in
            let upsert = try connection.statement(
                """
                INSERT INTO plugins (\(Self.pluginColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET
                    version = excluded.version, description = excluded.description, author = excluded.author,
                    is_active = excluded.is_active, config = excluded.config, tenant_config = excluded.tenant_config,
                    updated_at = excluded.updated_at
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
            upsert.bind(8, tenants)
            upsert.bind(9, Timestamp.microseconds(record.createdAt))
            upsert.bind(10, Timestamp.microseconds(record.updatedAt))
            _ = try upsert.step("save a plugin record")
        }
    }

    public func pluginRecord(named name: String) async throws -> PluginRecord? {
        try await readers.read(inline: true) { connection in
            let statement = try connection.statement("SELECT \(Self.pluginColumns) FROM plugins WHERE name = ?")
            defer { statement.reset() }
            statement.bind(1, name)
            return try statement.step("read a plugin record") ? try Self.decodeRecord(statement) : nil
        }
    }

    public func pluginRecords() async throws -> [PluginRecord] {
        try await readers.read(inline: true) { connection in
            let statement = try connection.statement("SELECT \(Self.pluginColumns) FROM plugins ORDER BY name")
            defer { statement.reset() }
            var records: [PluginRecord] = []
            while try statement.step("read plugin records") {
                records.append(try Self.decodeRecord(statement))
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

    private static func decodeRecord(_ statement: SQLiteStatement) throws -> PluginRecord {
        let settings = try statement.string(6).map { SealedSettings(json: try CanonicalJSON.decode($0)) } ?? .empty
        guard case .object(let tenants)? = try statement.string(7).map({ try CanonicalJSON.decode($0) }) ?? .object([:]) else {
            throw BillingError(.storageCorrupt, "A plugin's stored tenant settings are not an object", field: "tenant_config")
        }
        return PluginRecord(
            id: statement.string(0) ?? "", name: statement.string(1) ?? "", version: statement.string(2) ?? "",
            description: statement.string(3), author: statement.string(4), isActive: statement.int64(5) != 0,
            settings: settings, tenantSettings: tenants.mapValues { SealedSettings(json: $0) },
            createdAt: Timestamp.date(microseconds: statement.int64(8)), updatedAt: Timestamp.date(microseconds: statement.int64(9))
        )
    }
}
