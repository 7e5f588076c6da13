import Logging

/// Loading, unloading and uninstalling plugins.
extension PluginManager {
    /// Makes, initializes and starts the plugin registered as `name` (the specification's `loadPlugin`).
    ///
    /// - Parameters:
    ///   - name: the registered name (the plugin type's ``BillingPlugin/name``).
    ///   - settings: its default settings; mark secrets with `.secret(...)`.
    ///   - persist: save it as installed and active (its secrets sealed), so the engine
    ///     loads it again after a restart.
    /// - Throws: `not_found` for an unregistered name; `invalid.argument` if it is already
    ///   loaded; `plugin.failure` if its `initialize` throws or times out (the message
    ///   redacted). A failed load leaves the plugin listed as `failed` and everything else running.
    public func loadPlugin(_ name: String, settings: PluginSettings = [:], persist: Bool = true) async throws {
        let tenantSettings = try await storedTenantSettings(of: name)
        try await load(name, settings: settings, tenantSettings: tenantSettings)
        if persist {
            try await saveRecord(of: name, settings: settings, isActive: true)
        }
    }

    /// Loads a plugin with the given settings; nothing is persisted.
    func load(_ name: String, settings: PluginSettings, tenantSettings: [String: PluginSettings]) async throws {
        let factory = try state.withLock { state -> Factory in
            guard let factory = state.factories[name] else {
                throw BillingError(.notFound, "No plugin factory is registered under '\(name)'", field: "name")
            }
            guard state.loaded[name] == nil else {
                throw BillingError.invalid("name", "Plugin '\(name)' is already loaded; unload it first")
            }
            return factory
        }
        let plugin = factory()
        let loaded = LoadedPlugin(
            plugin: plugin, defaults: settings, tenantSettings: tenantSettings, configuration: configuration, time: time,
            metricsFactory: metricsFactory
        )
        let config = PluginConfig(
            pluginName: name, settings: settings, publisher: bus, events: storage,
            state: PluginState(plugin: name, store: storage, wallClock: wallClock),
            logger: pluginLogger(for: loaded), metrics: metricsFactory, clock: clock, wallClock: wallClock,
            tenantSettings: { [weak loaded] tenant in loaded?.ownSettings(ofTenant: tenant) }
        )
        // `initialize` is isolated like every call: a throw or a hang fails this load only.
        let outcome = await DeliveryRunner.call(timeout: configuration.initializeTimeout, clock: clock) {
            try await plugin.initialize(config)
        }
        if let failure = Self.failureText(of: outcome, timeout: configuration.initializeTimeout) {
            let message = loaded.redact(failure)
            state.withLock { state in
                state.failedLoads[name] = FailedLoad(
                    version: plugin.version, description: plugin.description, author: plugin.author, error: message, settings: settings.redacted
                )
            }
            logger.error("Plugin failed to initialize", metadata: [LogKeys.plugin: "\(name)", "billing.reason": "\(message)"])
            throw BillingError(.pluginFailure, "Plugin '\(name)' failed to initialize: \(message)", field: "name")
        }
        try state.withLock { state in
            guard state.loaded[name] == nil else {
                throw BillingError.invalid("name", "Plugin '\(name)' is already loaded; unload it first")
            }
            state.loaded[name] = loaded
            state.failedLoads[name] = nil
        }
        if !loaded.eventPatterns.isEmpty {
            do {
                try await dispatcher.subscribeDeliveries(
                    Self.subscriptionName(of: name), to: loaded.eventPatterns, options: configuration.delivery,
                    middleware: [CircuitBreakerMiddleware(plugin: loaded)], handler: Self.handler(for: loaded)
                )
            } catch {
                state.withLock { _ = $0.loaded.removeValue(forKey: name) }
                _ = await DeliveryRunner.call(timeout: configuration.callTimeout, clock: clock) { try await plugin.shutdown() }
                throw error
            }
        }
        logger.info(
            "Plugin loaded",
            metadata: [LogKeys.plugin: "\(name)", "billing.plugin.version": "\(plugin.version)", "billing.plugin.settings": "\(settings)"]
        )
    }

    /// The handler of a plugin's durable subscription: `execute` with the event's
    /// tenant's settings; a failed result fails the delivery, so it is retried.
    private static func handler(for loaded: LoadedPlugin) -> @Sendable (Delivery) async throws -> Void {
        { [weak loaded] delivery in
            guard let loaded else { throw DeliveryError.postpone(after: .seconds(1), reason: "the plugin was unloaded") }
            var context = BillingContext(event: delivery.event)
            context.delivery = delivery
            context.settings = loaded.settings(forTenant: delivery.event.tenantId)
            let result = try await loaded.plugin.execute(context)
            if case .failure(let message) = result {
                throw BillingError(.pluginFailure, "Plugin '\(loaded.name)' could not handle the event: \(message)")
            }
        }
    }

    /// The plugin's logger: tagged with its name, its secrets (defaults and every
    /// tenant's, as they are now) redacted from every line.
    func pluginLogger(for loaded: LoadedPlugin) -> Logger {
        var logger = self.logger.redacting { [weak loaded] in loaded?.redactor ?? .none }
        logger[metadataKey: LogKeys.plugin] = "\(loaded.name)"
        return logger
    }

    /// Stops the plugin (the specification's `unloadPlugin`): its subscription stops
    /// taking events, calls in flight drain (up to ``Configuration/drainTimeout``), then
    /// `shutdown` runs. Events published meanwhile wait in its subscription.
    ///
    /// - Parameters:
    ///   - name: the loaded plugin's name.
    ///   - deactivate: also mark it inactive in storage, so it is not loaded at the next start.
    /// - Throws: `not_found` if no plugin by that name is loaded.
    public func unloadPlugin(_ name: String, deactivate: Bool = true) async throws {
        let loaded = try state.withLock { state -> LoadedPlugin in
            guard let loaded = state.loaded[name] else {
                if state.failedLoads.removeValue(forKey: name) != nil {
                    throw BillingError(.notFound, "Plugin '\(name)' failed to load, so it is not running; its failure record was cleared", field: "name")
                }
                throw BillingError(.notFound, "No plugin named '\(name)' is loaded", field: "name")
            }
            return loaded
        }
        dispatcher.unsubscribe(Self.subscriptionName(of: name))
        if await loaded.drain(timeout: configuration.drainTimeout, clock: clock) == false {
            logger.warning("Plugin calls still running at the drain timeout; shutting down anyway", metadata: [LogKeys.plugin: "\(name)"])
        }
        let plugin = loaded.plugin
        let outcome = await DeliveryRunner.call(timeout: configuration.callTimeout, clock: clock) { try await plugin.shutdown() }
        if let failure = Self.failureText(of: outcome, timeout: configuration.callTimeout) {
            logger.error("Plugin shutdown failed", metadata: [LogKeys.plugin: "\(name)", "billing.reason": "\(loaded.redact(failure))"])
        }
        state.withLock { _ = $0.loaded.removeValue(forKey: name) }
        if deactivate, let record = try await storage.pluginRecord(named: name) {
            try await storage.savePluginRecord(record.with(isActive: false, updatedAt: wallClock.now()))
        }
        logger.info("Plugin unloaded", metadata: [LogKeys.plugin: "\(name)"])
    }

    /// Unloads the plugin if it is loaded and forgets it: its record (and its tenants'
    /// settings) are deleted. Its subscription's cursor and its state stay, so installing
    /// it again resumes there.
    /// - Throws: `not_found` if it is neither loaded nor persisted.
    public func uninstallPlugin(_ name: String) async throws {
        let isLoaded = state.withLock { $0.loaded[name] != nil }
        if isLoaded {
            try await unloadPlugin(name, deactivate: false)
        }
        let hadFailure = state.withLock { $0.failedLoads.removeValue(forKey: name) != nil }
        let deleted = try await storage.deletePluginRecord(named: name)
        guard isLoaded || deleted || hadFailure else {
            throw BillingError(.notFound, "No plugin named '\(name)' is installed", field: "name")
        }
    }

    /// Loads every persisted plugin marked active that has a registered factory, with
    /// its stored settings. A plugin that fails to load (its `initialize` fails, or its
    /// secrets cannot be opened with the configured keys) is logged and listed as
    /// failed; the others still load.
    /// - Returns: the names that failed to load.
    @discardableResult
    public func loadPersistedPlugins() async throws -> [String] {
        var failures: [String] = []
        for record in try await storage.pluginRecords() where record.isActive {
            let isLoaded = state.withLock { $0.loaded[record.name] != nil }
            let isRegistered = state.withLock { $0.factories[record.name] != nil }
            if isLoaded || !isRegistered { continue }
            do {
                let settings = try open(record.settings, of: record.name)
                try await load(record.name, settings: settings, tenantSettings: try openTenantSettings(of: record))
                // An upgraded plugin: keep its record's version and description current.
                if let plugin = state.withLock({ $0.loaded[record.name]?.plugin }),
                    plugin.version != record.version || plugin.description != record.description || plugin.author != record.author
                {
                    try await storage.savePluginRecord(
                        record.with(version: plugin.version, description: plugin.description, author: plugin.author, updatedAt: wallClock.now())
                    )
                }
            } catch {
                failures.append(record.name)
                // A failed initialize is listed already; a failure before it (secrets that do not open) is listed here.
                let reason = (error as? BillingError)?.message ?? String(describing: error)
                state.withLock { state in
                    guard state.loaded[record.name] == nil, state.failedLoads[record.name] == nil else { return }
                    state.failedLoads[record.name] = FailedLoad(
                        version: record.version, description: record.description ?? "", author: record.author ?? "", error: reason,
                        settings: Self.listing(of: record.settings)
                    )
                }
                logger.error("A persisted plugin could not be loaded", error: error, metadata: [LogKeys.plugin: "\(record.name)"])
            }
        }
        return failures
    }

    /// Unloads every loaded plugin without marking it inactive.
    public func shutDownAll() async {
        let names = state.withLock { Array($0.loaded.keys) }
        await withDiscardingTaskGroup { group in
            for name in names {
                group.addTask {
                    do {
                        try await self.unloadPlugin(name, deactivate: false)
                    } catch {
                        self.logger.error("Plugin could not be shut down", error: error, metadata: [LogKeys.plugin: "\(name)"])
                    }
                }
            }
        }
    }

    static func failureText<Value>(of outcome: IsolatedResult<Value>, timeout: Duration) -> String? {
        switch outcome {
        case .returned: nil
        case .threw(let error): String(describing: error)
        case .timedOut: "did not finish within \(timeout)"
        case .cancelled: "was cancelled"
        }
    }
}
