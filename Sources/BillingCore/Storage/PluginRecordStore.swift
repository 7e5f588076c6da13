public import Foundation

/// An installed plugin as persisted (the seed's `Plugin` model).
public struct PluginRecord: Sendable, Hashable {
    /// A stable id.
    public let id: String
    /// The plugin's name, unique.
    public let name: String
    /// The version installed.
    public let version: String
    /// What it does.
    public let description: String?
    /// Who wrote it.
    public let author: String?
    /// Whether it is loaded when the engine starts.
    public let isActive: Bool
    /// Its settings, secret flags included.
    public let settings: PluginSettings
    /// When it was first installed.
    public let createdAt: Date
    /// When its record last changed.
    public let updatedAt: Date

    /// Creates a record.
    public init(
        id: String, name: String, version: String, description: String?, author: String?, isActive: Bool,
        settings: PluginSettings, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.name = name
        self.version = version
        self.description = description
        self.author = author
        self.isActive = isActive
        self.settings = settings
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// Persistence of installed plugins, so a restarted engine loads them again.
///
/// Secret settings are stored (they are needed to load the plugin again) but are
/// never logged or listed: listings use `PluginSettings.redacted`.
public protocol PluginRecordStore: Sendable {
    /// Inserts or replaces the record with the same name; `createdAt` of an existing record is kept.
    func savePluginRecord(_ record: PluginRecord) async throws
    /// Every record, by name.
    func pluginRecords() async throws -> [PluginRecord]
    /// Deletes the record; returns whether there was one.
    func deletePluginRecord(named name: String) async throws -> Bool
}

/// Everything the engine persists: events, subscriptions and installed plugins.
public typealias BillingStorage = DurableStore & PluginRecordStore

extension PluginSettings {
    /// The persisted form: `{"key": {"value": …, "secret": true}}`.
    package var storageJSON: JSONValue {
        .object(values.mapValues { setting in
            setting.isSecret ? ["value": setting.json, "secret": true] : ["value": setting.json]
        })
    }

    /// Reads the persisted form.
    package init(storageJSON: JSONValue) throws {
        guard case .object(let object) = storageJSON else {
            throw BillingError(.storageCorrupt, "Stored plugin settings are not an object", field: "config")
        }
        var values: [String: Value] = [:]
        for (key, entry) in object {
            guard let json = entry["value"] else {
                throw BillingError(.storageCorrupt, "Stored plugin setting '\(key)' has no value", field: key)
            }
            var value = Value(json)
            value.isSecret = entry["secret"]?.boolValue ?? false
            values[key] = value
        }
        self.init(values)
    }
}
