public import BillingCore
public import BillingPlugins
public import Foundation

extension BillingEngine {
    /// Administrative operations taken by `userId` (an operator, an admin server's
    /// authenticated user): each is carried out, then recorded in the audit log when
    /// ``Configuration/audit`` is set.
    /// - Throws: `invalid.argument` for an empty user: nothing is done for nobody.
    public func acting(as userId: String) throws -> BillingOperator {
        guard !userId.isEmpty else { throw BillingError(.invalidArgument, "An administrative operation needs the user who takes it", field: "userId") }
        return BillingOperator(userId: userId, engine: self)
    }
}

/// The engine's administrative operations, each recorded in the audit log with the user who
/// took it: plugins, their settings, dead letters, subscriptions and webhook endpoints.
///
/// An entry is written after its operation succeeded; a failed operation records nothing.
/// Settings are recorded by name only, never by value, so secrets never reach the log.
public struct BillingOperator: Sendable {
    /// Who acts.
    public let userId: String
    let engine: BillingEngine

    // MARK: Plugins

    /// Installs (loads and persists) a plugin: `plugin.install`.
    public func installPlugin(_ name: String, settings: PluginSettings = [:]) async throws {
        try await engine.plugins.loadPlugin(name, settings: settings, persist: true)
        try await record("plugin.install", entity: name, summary: "installed plugin \(name)", details: Self.names(settings))
    }

    /// Loads an installed plugin again, with its stored settings: `plugin.load`.
    public func loadPlugin(_ name: String) async throws {
        try await engine.plugins.loadPlugin(name, persist: false)
        try await record("plugin.load", entity: name, summary: "loaded plugin \(name)")
    }

    /// Unloads a plugin: `plugin.unload`.
    public func unloadPlugin(_ name: String) async throws {
        try await engine.plugins.unloadPlugin(name)
        try await record("plugin.unload", entity: name, summary: "unloaded plugin \(name)")
    }

    /// Uninstalls a plugin: `plugin.uninstall`.
    public func uninstallPlugin(_ name: String) async throws {
        try await engine.plugins.uninstallPlugin(name)
        try await record("plugin.uninstall", entity: name, summary: "uninstalled plugin \(name)")
    }

    /// Sets a tenant's settings of a plugin: `plugin.settings.change`, in the tenant's chain.
    public func setSettings(_ settings: PluginSettings, forTenant tenantId: String, of plugin: String) async throws {
        try await engine.plugins.setSettings(settings, forTenant: tenantId, of: plugin)
        try await record(
            "plugin.settings.change", tenant: tenantId, entity: plugin, summary: "changed \(plugin)'s settings for \(tenantId)", details: Self.names(settings))
    }

    /// Removes a tenant's settings of a plugin: `plugin.settings.remove`.
    public func removeSettings(forTenant tenantId: String, of plugin: String) async throws {
        try await engine.plugins.removeSettings(forTenant: tenantId, of: plugin)
        try await record("plugin.settings.remove", tenant: tenantId, entity: plugin, summary: "removed \(plugin)'s settings for \(tenantId)")
    }

    // MARK: Dead letters and subscriptions

    /// Delivers a dead letter again: `dead_letter.redeliver`.
    public func redeliver(deadLetter id: Int64) async throws {
        try await engine.subscriptions.redeliver(deadLetter: id)
        try await record("dead_letter.redeliver", entity: "\(id)", summary: "redelivered dead letter \(id)")
    }

    /// Delivers every dead letter of a subscription again: `dead_letter.redeliver_all`.
    @discardableResult
    public func redeliverAll(subscription: String) async throws -> Int {
        let count = try await engine.subscriptions.redeliverAll(subscription: subscription)
        try await record(
            "dead_letter.redeliver_all", entity: subscription, summary: "redelivered \(count) dead letters of \(subscription)", details: ["count": .int(Int64(count))])
        return count
    }

    /// Discards dead letters: `dead_letter.discard`.
    @discardableResult
    public func discard(_ selection: DeadLetterSelection) async throws -> Int {
        let count = try await engine.subscriptions.discard(selection)
        let details: JSONObject
        switch selection {
        case .ids(let ids): details = ["ids": .array(ids.map { .int($0) }), "count": .int(Int64(count))]
        case .subscription(let name): details = ["subscription": .string(name), "count": .int(Int64(count))]
        }
        try await record("dead_letter.discard", summary: "discarded \(count) dead letters", details: details)
        return count
    }

    /// Pauses a durable subscription: `subscription.pause`.
    public func pause(_ subscription: String) async throws {
        try await engine.subscriptions.pause(subscription)
        try await record("subscription.pause", entity: subscription, summary: "paused \(subscription)")
    }

    /// Resumes a durable subscription: `subscription.resume`.
    public func resume(_ subscription: String) async throws {
        try await engine.subscriptions.resume(subscription)
        try await record("subscription.resume", entity: subscription, summary: "resumed \(subscription)")
    }

    /// Replays a subscription after a sequence: `subscription.replay`.
    public func replay(_ subscription: String, afterSequence sequence: Int64) async throws {
        try await engine.subscriptions.replay(subscription, afterSequence: sequence)
        try await record(
            "subscription.replay", entity: subscription, summary: "replayed \(subscription) after \(sequence)", details: ["afterSequence": .int(sequence)])
    }

    /// Replays a subscription from a time: `subscription.replay`.
    public func replay(_ subscription: String, from date: Date) async throws {
        try await engine.subscriptions.replay(subscription, from: date)
        let from = Timestamp.format(microseconds: Timestamp.microseconds(date))
        try await record("subscription.replay", entity: subscription, summary: "replayed \(subscription) from \(from)", details: ["from": .string(from)])
    }

    // MARK: Webhook endpoints

    /// Creates a webhook endpoint: `webhook.endpoint.create` (its URL is not recorded: it may hold a token).
    public func createWebhookEndpoint(_ options: WebhookEndpointOptions, for owner: WebhookEndpointOwner) async throws -> CreatedWebhookEndpoint {
        let created = try await engine.webhooks.createEndpoint(options, for: owner)
        try await recordEndpoint("webhook.endpoint.create", created.endpoint, "created webhook endpoint")
        return created
    }

    /// Changes a webhook endpoint: `webhook.endpoint.update`.
    public func updateWebhookEndpoint(id: String, _ change: WebhookEndpointChange) async throws -> WebhookEndpoint {
        let endpoint = try await engine.webhooks.updateEndpoint(id: id, change)
        try await recordEndpoint("webhook.endpoint.update", endpoint, "changed webhook endpoint")
        return endpoint
    }

    /// Deletes a webhook endpoint: `webhook.endpoint.delete`.
    public func deleteWebhookEndpoint(id: String) async throws {
        let endpoint = try await engine.webhooks.endpoint(id: id)
        try await engine.webhooks.deleteEndpoint(id: id)
        try await recordEndpoint("webhook.endpoint.delete", endpoint, "deleted webhook endpoint")
    }

    /// Enables a webhook endpoint: `webhook.endpoint.enable`.
    public func enableWebhookEndpoint(id: String) async throws -> WebhookEndpoint {
        let endpoint = try await engine.webhooks.enableEndpoint(id: id)
        try await recordEndpoint("webhook.endpoint.enable", endpoint, "enabled webhook endpoint")
        return endpoint
    }

    /// Disables a webhook endpoint: `webhook.endpoint.disable`.
    public func disableWebhookEndpoint(id: String, reason: String = "Disabled by an operator") async throws -> WebhookEndpoint {
        let endpoint = try await engine.webhooks.disableEndpoint(id: id, reason: reason)
        try await recordEndpoint("webhook.endpoint.disable", endpoint, "disabled webhook endpoint", details: ["reason": .string(reason)])
        return endpoint
    }

    /// Rotates a webhook endpoint's secret: `webhook.secret.rotate` (the secret is not recorded).
    public func rotateWebhookSecret(endpointId: String, grace: Duration? = nil) async throws -> WebhookSecret {
        let secret = try await engine.webhooks.rotateSecret(endpointId: endpointId, grace: grace)
        try await recordEndpoint("webhook.secret.rotate", try await engine.webhooks.endpoint(id: endpointId), "rotated the secret of webhook endpoint")
        return secret
    }

    // MARK: Recording

    private func recordEndpoint(_ action: String, _ endpoint: WebhookEndpoint, _ words: String, details: JSONObject = [:]) async throws {
        var details = details
        details["eventPatterns"] = .array(endpoint.eventPatterns.map { .string($0.description) })
        let tenant: String?
        switch endpoint.owner {
        case .tenant(let id): tenant = id
        case .hostWide: tenant = nil
        }
        try await record(action, tenant: tenant, entity: endpoint.id, summary: "\(words) \(endpoint.id)", details: details)
    }

    private func record(_ action: String, tenant: String? = nil, entity: String? = nil, summary: String, details: JSONObject = [:]) async throws {
        guard let audit = engine.audit else { return }
        try await audit.record(action: action, by: userId, tenant: tenant, entity: entity, summary: summary, details: details)
    }

    /// The settings' names, secret ones marked, never a value.
    private static func names(_ settings: PluginSettings) -> JSONObject {
        ["settings": .array(settings.values.keys.sorted().map { .string($0) }), "secretSettings": .array(settings.secretKeys.sorted().map { .string($0) })]
    }
}
