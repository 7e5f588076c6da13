import Foundation
import Logging

/// Installed-plugin records and settings at rest: every secret sealed before it is
/// stored, opened after it is read, and re-sealed when the key changes.
extension PluginManager {
    /// Saves the record of `name` (settings sealed), keeping its id, creation time and tenants.
    func saveRecord(of name: String, settings: PluginSettings, isActive: Bool) async throws {
        let plugin = state.withLock { $0.loaded[name]?.plugin }
        let existing = try await storage.pluginRecord(named: name)
        let now = wallClock.now()
        let sealed = try settings.sealed(with: sealer, scope: Self.scope(name))
        let record = PluginRecord(
            id: existing?.id ?? UUID().uuidString.lowercased(), name: name, version: plugin?.version ?? existing?.version ?? "",
            description: plugin?.description ?? existing?.description, author: plugin?.author ?? existing?.author,
            isActive: isActive, settings: sealed, tenantSettings: existing?.tenantSettings ?? [:],
            createdAt: existing?.createdAt ?? now, updatedAt: now
        )
        try await storage.savePluginRecord(record)
    }

    /// Where a plugin's sealed secrets belong: `plugin/<name>`, or `plugin/<name>/tenant/<id>`.
    static func scope(_ plugin: String, tenant: String? = nil) -> String {
        tenant.map { "plugin/\(plugin)/tenant/\($0)" } ?? "plugin/\(plugin)"
    }

    /// Opens stored settings; a failure names the plugin (never a value).
    func open(_ sealed: SealedSettings, of plugin: String, tenant: String? = nil) throws -> PluginSettings {
        do {
            return try PluginSettings(opening: sealed, with: sealer, scope: Self.scope(plugin, tenant: tenant))
        } catch var error as BillingError {
            error.message = "The stored settings of plugin '\(plugin)' cannot be opened: " + error.message
            throw error
        }
    }

    func openTenantSettings(of record: PluginRecord) throws -> [String: PluginSettings] {
        var opened: [String: PluginSettings] = [:]
        for (tenant, sealed) in record.tenantSettings {
            opened[tenant] = try open(sealed, of: record.name, tenant: tenant)
        }
        return opened
    }

    func storedTenantSettings(of name: String) async throws -> [String: PluginSettings] {
        guard let record = try await storage.pluginRecord(named: name) else { return [:] }
        return try openTenantSettings(of: record)
    }

    // MARK: Sealing at rest

    /// Seals every secret setting stored in clear (by a version before sealing existed)
    /// or under a key other than the current one, in every plugin record.
    ///
    /// The engine runs it when it starts, so a database from an earlier version is sealed
    /// the first time it is opened; run it yourself after adding a new current key, to
    /// re-seal everything under it. A record whose secrets cannot be opened (its key is
    /// not configured) is left exactly as it is, and the error names it.
    /// - Returns: how many records were re-sealed.
    @discardableResult
    public func resealSecrets() async throws -> Int {
        var resealed = 0
        var failures: [String] = []
        for record in try await storage.pluginRecords() {
            let needed = record.settings.needsResealing(with: sealer) || record.tenantSettings.values.contains { $0.needsResealing(with: sealer) }
            guard needed else { continue }
            do {
                let settings = try open(record.settings, of: record.name).sealed(with: sealer, scope: Self.scope(record.name))
                var tenants: [String: SealedSettings] = [:]
                for (tenant, settings) in try openTenantSettings(of: record) {
                    tenants[tenant] = try settings.sealed(with: sealer, scope: Self.scope(record.name, tenant: tenant))
                }
                try await storage.savePluginRecord(record.with(settings: settings, tenantSettings: tenants, updatedAt: wallClock.now()))
                resealed += 1
            } catch {
                failures.append(record.name)
                logger.error("A plugin's stored secrets could not be re-sealed; the record is unchanged", error: error, metadata: [LogKeys.plugin: "\(record.name)"])
            }
        }
        if !failures.isEmpty {
            throw BillingError(
                .storageFailure,
                "The secrets of \(failures.count) plugin record(s) could not be re-sealed and were left unchanged: \(failures.joined(separator: ", "))"
            )
        }
        if resealed > 0 {
            logger.notice("Plugin secrets sealed under the current key", metadata: ["billing.records": "\(resealed)", "billing.key": "\(sealer.currentKeyID)"])
        }
        return resealed
    }

    // MARK: Settings per tenant

    /// Gives a tenant its own settings for a plugin, on top of the plugin's defaults
    /// (its own API key or SMTP account, say). Stored sealed, in effect from the next
    /// call or event: no reload.
    /// - Throws: `not_found` if the plugin is neither loaded nor installed;
    ///   `invalid.argument` for an empty tenant id.
    public func setSettings(_ settings: PluginSettings, forTenant tenantId: String, of plugin: String) async throws {
        guard !tenantId.isEmpty else { throw BillingError.invalid("tenantId", "A tenant id must not be empty") }
        try await changeTenantSettings(plugin, tenantId, settings)
    }

    /// Removes a tenant's own settings; its calls use the defaults again.
    /// - Throws: `not_found` if the plugin is neither loaded nor installed.
    public func removeSettings(forTenant tenantId: String, of plugin: String) async throws {
        try await changeTenantSettings(plugin, tenantId, nil)
    }

    /// The settings a call for `tenantId` uses (defaults with the tenant's own on top), secrets redacted.
    /// - Throws: `not_found` if the plugin is not loaded.
    public func settings(forTenant tenantId: String?, of plugin: String) throws -> JSONValue {
        try require(plugin).settings(forTenant: tenantId).redacted
    }

    private func changeTenantSettings(_ name: String, _ tenantId: String, _ settings: PluginSettings?) async throws {
        let loaded = state.withLock { $0.loaded[name] }
        guard let record = try await storage.pluginRecord(named: name) else {
            guard let loaded else { throw BillingError(.notFound, "No plugin named '\(name)' is installed", field: "name") }
            // Loaded without persistence: in memory only.
            loaded.setSettings(settings, forTenant: tenantId)
            return
        }
        var tenants = record.tenantSettings
        tenants[tenantId] = try settings?.sealed(with: sealer, scope: Self.scope(name, tenant: tenantId))
        try await storage.savePluginRecord(record.with(tenantSettings: tenants, updatedAt: wallClock.now()))
        loaded?.setSettings(settings, forTenant: tenantId)
        logger.info(
            settings == nil ? "Tenant settings removed" : "Tenant settings changed",
            metadata: [LogKeys.plugin: "\(name)", LogKeys.tenant: "\(tenantId)"]
        )
    }
}
