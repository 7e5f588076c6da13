public import Foundation

/// An installed plugin as persisted (the specification's `Plugin` model), with its
/// settings for every tenant. Secret values are sealed (see ``SealedSettings``).
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
    /// Its default settings.
    public let settings: SealedSettings
    /// Settings of tenants that override the defaults, by tenant id.
    public let tenantSettings: [String: SealedSettings]
    /// When it was first installed.
    public let createdAt: Date
    /// When its record last changed.
    public let updatedAt: Date

    /// Creates a record.
    public init(
        id: String, name: String, version: String, description: String?, author: String?, isActive: Bool,
        settings: SealedSettings, tenantSettings: [String: SealedSettings] = [:], createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.name = name
        self.version = version
        self.description = description
        self.author = author
        self.isActive = isActive
        self.settings = settings
        self.tenantSettings = tenantSettings
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The same record with other fields; what is not given stays.
    package func with(
        version: String? = nil, description: String?? = nil, author: String?? = nil, isActive: Bool? = nil,
        settings: SealedSettings? = nil, tenantSettings: [String: SealedSettings]? = nil, updatedAt: Date
    ) -> PluginRecord {
        PluginRecord(
            id: id, name: name, version: version ?? self.version, description: description ?? self.description,
            author: author ?? self.author, isActive: isActive ?? self.isActive, settings: settings ?? self.settings,
            tenantSettings: tenantSettings ?? self.tenantSettings, createdAt: createdAt, updatedAt: updatedAt
        )
    }
}

/// Persistence of installed plugins, so a restarted engine loads them again.
///
/// A store keeps settings as it is given them: the plugin manager seals secret values
/// before saving and opens them after reading, so no backend ever sees a secret in clear.
/// The `plugins` table has one row per plugin: `id`, `name` (unique), `version`,
/// `description`, `author`, `is_active`, `config` (the default settings as JSON),
/// `tenant_config` (per-tenant settings as JSON), `created_at` and `updated_at`.
public protocol PluginRecordStore: Sendable {
    /// Inserts or replaces the record with the same name; the `id` and `createdAt` of an
    /// existing record are kept.
    func savePluginRecord(_ record: PluginRecord) async throws
    /// The record of one plugin.
    func pluginRecord(named name: String) async throws -> PluginRecord?
    /// Every record, by name.
    func pluginRecords() async throws -> [PluginRecord]
    /// Deletes the record; returns whether there was one.
    func deletePluginRecord(named name: String) async throws -> Bool
}

/// Everything the engine persists: events, subscriptions, installed plugins, plugin state,
/// webhook endpoints and webhook messages.
public typealias BillingStorage = DurableStore & PluginRecordStore & PluginStateStore & WebhookEndpointStore & WebhookMessageStore & AuditLogStore
