public import CoreMetrics
import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization

/// Loads, isolates, feeds and persists plugins (the seed's `PluginManager`).
///
/// - **Factories by name.** The host registers how to make each plugin;
///   `loadPlugin(name, settings)` makes, initializes and starts one at run time.
/// - **Events through durable subscriptions.** Each plugin gets the durable
///   subscription `plugin.<name>` for the patterns it declares plus its
///   capabilities' defaults (a `PaymentPlugin` receives `payment.initiated`), so a
///   crash never loses a payment. Delivery is at least once.
/// - **Isolation.** Every call has a timeout; errors become failed results and
///   metrics; consecutive failures open a circuit breaker that quarantines the
///   plugin, probes it later, and makes it active again when it recovers. A plugin
///   that throws, hangs or fails to initialize never takes down the bus, the engine
///   or another plugin. Events for a quarantined plugin wait in its subscription.
/// - **Persistence.** Installed plugins and their settings are saved, and loaded
///   again by `loadPersistedPlugins()` when the engine starts, respecting `isActive`.
///   Secrets are never logged; listings redact them.
public final class PluginManager: Service, Sendable {
    /// Timeouts, the circuit breaker and health checks; every property has a default.
    public struct Configuration: Sendable {
        /// How long one plugin call may run (default 30 s).
        public var callTimeout: Duration
        /// How long `initialize` may run (default 30 s).
        public var initializeTimeout: Duration
        /// Consecutive failures that quarantine a plugin (default 5).
        public var failureThreshold: Int
        /// How long a quarantined plugin rests before it is probed (default 30 s).
        public var quarantineDuration: Duration
        /// How often health checks run (default 30 s).
        public var healthCheckInterval: Duration
        /// How long unloading waits for in-flight calls before shutting the plugin down anyway (default 30 s).
        public var drainTimeout: Duration
        /// Retries, timeouts and start position of plugins' durable subscriptions
        /// (default: a 60 s delivery timeout, and a plugin installed for the first time
        /// starts after the last stored event, so it never acts on history — a payment
        /// plugin installed late must not charge old payments. Set `startPosition` to
        /// `.beginning` for plugins that should catch up, such as an audit log).
        public var delivery: DurableSubscriptionOptions

        /// Creates a configuration; every parameter has the documented default.
        public init(
            callTimeout: Duration = .seconds(30),
            initializeTimeout: Duration = .seconds(30),
            failureThreshold: Int = 5,
            quarantineDuration: Duration = .seconds(30),
            healthCheckInterval: Duration = .seconds(30),
            drainTimeout: Duration = .seconds(30),
            delivery: DurableSubscriptionOptions = DurableSubscriptionOptions(deliveryTimeout: .seconds(60), startPosition: .end)
        ) {
            self.callTimeout = callTimeout
            self.initializeTimeout = initializeTimeout
            self.failureThreshold = max(1, failureThreshold)
            self.quarantineDuration = quarantineDuration
            self.healthCheckInterval = healthCheckInterval
            self.drainTimeout = drainTimeout
            self.delivery = delivery
        }
    }

    /// Makes a plugin instance.
    public typealias Factory = @Sendable () -> any BillingPlugin

    /// The configuration the manager was created with.
    public let configuration: Configuration

    private let bus: EventBus
    private let dispatcher: SubscriptionDispatcher
    private let records: (any PluginRecordStore)?
    private let logger: Logger
    private let metricsFactory: any MetricsFactory
    private let clock: any BillingClock
    private let state = Mutex(State())

    private struct State {
        var factories: [String: Factory] = [:]
        var loaded: [String: LoadedPlugin] = [:]
        var failedLoads: [String: (version: String, description: String, author: String, error: String, settings: PluginSettings)] = [:]
    }

    /// Creates a manager.
    /// - Parameters:
    ///   - bus: handed to plugins to publish and subscribe.
    ///   - dispatcher: runs the plugins' durable subscriptions.
    ///   - records: where installed plugins are persisted; `nil` keeps them in memory only.
    ///   - configuration: timeouts, the circuit breaker, health checks and delivery options.
    ///   - logger: where the manager and (tagged with `billing.plugin`) the plugins log.
    ///   - metricsFactory: where plugin metrics go; the global `MetricsSystem` by default.
    ///   - clock: time for timeouts, quarantines and health checks.
    public init(
        bus: EventBus,
        dispatcher: SubscriptionDispatcher,
        records: (any PluginRecordStore)? = nil,
        configuration: Configuration = Configuration(),
        logger: Logger = Logger(label: "billing.plugins"),
        metricsFactory: (any MetricsFactory)? = nil,
        clock: any BillingClock = SystemClock()
    ) {
        self.bus = bus
        self.dispatcher = dispatcher
        self.records = records
        self.configuration = configuration
        self.logger = logger
        self.metricsFactory = metricsFactory ?? MetricsSystem.factory
        self.clock = clock
    }

    // MARK: - Registration

    /// Registers how to make the plugin called `name`. Registering a name again replaces the factory.
    public func register(_ name: String, factory: @escaping Factory) {
        state.withLock { $0.factories[name] = factory }
    }

    /// The names with a registered factory.
    public var registeredNames: [String] {
        state.withLock { $0.factories.keys.sorted() }
    }

    // MARK: - Loading and unloading

    /// Makes, initializes and starts the plugin registered as `name` (the seed's `loadPlugin`).
    ///
    /// - Parameters:
    ///   - name: the registered name.
    ///   - settings: the plugin's settings; mark secrets with `.secret(...)`.
    ///   - persist: save it as installed and active, so the engine loads it again after a restart.
    /// - Throws: `not_found` for an unregistered name; `invalid.argument` if it is already
    ///   loaded or its `name` differs from the registered one; the plugin's own
    ///   initialization failure (wrapped, secrets redacted). A failed load leaves the
    ///   plugin listed as `failed` and everything else running.
    public func loadPlugin(_ name: String, settings: PluginSettings = [:], persist: Bool = true) async throws {
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
        guard plugin.name == name else {
            throw BillingError.invalid("name", "The factory registered as '\(name)' made a plugin named '\(plugin.name)'")
        }
        let loaded = LoadedPlugin(plugin: plugin, settings: settings, configuration: configuration, clock: clock, metricsFactory: metricsFactory)
        let config = PluginConfig(
            pluginName: name, settings: settings, bus: bus, storage: dispatcher.store, logger: logger,
            metrics: metricsFactory, clock: clock
        )
        var pluginLogger = logger
        pluginLogger[metadataKey: LogKeys.plugin] = "\(name)"

        // `initialize` is isolated like every call: a throw or a hang fails this load only.
        let outcome = await IsolatedHandlerRunner.run(timeout: configuration.initializeTimeout, clock: clock) {
            try await plugin.initialize(config)
        }
        if let failure = Self.failureText(of: outcome, timeout: configuration.initializeTimeout) {
            let message = loaded.redact(failure)
            state.withLock { state in
                state.failedLoads[name] = (plugin.version, plugin.description, plugin.author, message, settings)
            }
            pluginLogger.error("Plugin failed to initialize", metadata: ["error": "\(message)"])
            throw BillingError(.unsupported, "Plugin '\(name)' failed to initialize: \(message)", field: "name")
        }

        try state.withLock { state in
            guard state.loaded[name] == nil else {
                throw BillingError.invalid("name", "Plugin '\(name)' is already loaded; unload it first")
            }
            state.loaded[name] = loaded
            state.failedLoads[name] = nil
        }
        let patterns = loaded.eventPatterns
        if !patterns.isEmpty {
            do {
                try await dispatcher.subscribe(Self.subscriptionName(name), to: patterns, options: configuration.delivery) { [weak self] event in
                    guard let self else { throw DeliveryError.retry(after: .seconds(1), reason: "the plugin manager is gone") }
                    try await self.deliver(event, to: name)
                }
            } catch {
                state.withLock { _ = $0.loaded.removeValue(forKey: name) }
                _ = await IsolatedHandlerRunner.run(timeout: configuration.callTimeout, clock: clock) { try await plugin.shutdown() }
                throw error
            }
        }
        if persist, let records {
            try await records.savePluginRecord(record(for: plugin, settings: settings, isActive: true))
        }
        pluginLogger.info("Plugin loaded", metadata: ["billing.plugin.version": "\(plugin.version)", "billing.plugin.settings": "\(settings)"])
    }

    /// Stops the plugin (the seed's `unloadPlugin`): its subscription stops taking
    /// events, in-flight calls drain (up to ``Configuration/drainTimeout``), then
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
        dispatcher.unsubscribe(Self.subscriptionName(name))
        let drained = await loaded.drain(timeout: configuration.drainTimeout)
        if !drained {
            logger.warning("Plugin calls still running at the drain timeout; shutting down anyway", metadata: [LogKeys.plugin: "\(name)"])
        }
        let plugin = loaded.plugin
        let outcome = await IsolatedHandlerRunner.run(timeout: configuration.callTimeout, clock: clock) { try await plugin.shutdown() }
        if let failure = Self.failureText(of: outcome, timeout: configuration.callTimeout) {
            logger.error("Plugin shutdown failed", metadata: [LogKeys.plugin: "\(name)", "error": "\(loaded.redact(failure))"])
        }
        state.withLock { _ = $0.loaded.removeValue(forKey: name) }
        if deactivate, let records, let existing = try await records.pluginRecords().first(where: { $0.name == name }) {
            try await records.savePluginRecord(
                PluginRecord(
                    id: existing.id, name: existing.name, version: existing.version, description: existing.description,
                    author: existing.author, isActive: false, settings: existing.settings, createdAt: existing.createdAt, updatedAt: clock.now()
                )
            )
        }
        logger.info("Plugin unloaded", metadata: [LogKeys.plugin: "\(name)"])
    }

    /// Unloads the plugin if it is loaded and forgets it: its record is deleted.
    /// Its durable subscription's cursor stays, so installing it again resumes there.
    /// - Throws: `not_found` if it is neither loaded nor persisted.
    public func uninstallPlugin(_ name: String) async throws {
        let isLoaded = state.withLock { $0.loaded[name] != nil }
        if isLoaded {
            try await unloadPlugin(name, deactivate: false)
        }
        state.withLock { _ = $0.failedLoads.removeValue(forKey: name) }
        let deleted = try await records?.deletePluginRecord(named: name) ?? false
        guard isLoaded || deleted else {
            throw BillingError(.notFound, "No plugin named '\(name)' is installed", field: "name")
        }
    }

    /// Loads every persisted plugin marked active that has a registered factory.
    /// A plugin that fails to load is logged and listed as failed; the others still load.
    /// - Returns: the names that failed to load.
    @discardableResult
    public func loadPersistedPlugins() async throws -> [String] {
        guard let records else { return [] }
        var failures: [String] = []
        for record in try await records.pluginRecords() where record.isActive {
            let isLoaded = state.withLock { $0.loaded[record.name] != nil }
            if isLoaded { continue }
            do {
                try await loadPlugin(record.name, settings: record.settings, persist: false)
                // An upgraded plugin: keep its record's version and description current.
                if let plugin = state.withLock({ $0.loaded[record.name]?.plugin }),
                    plugin.version != record.version || plugin.description != record.description || plugin.author != record.author
                {
                    try await records.savePluginRecord(self.record(for: plugin, settings: record.settings, isActive: true))
                }
            } catch {
                failures.append(record.name)
                logger.error("A persisted plugin could not be loaded", metadata: [LogKeys.plugin: "\(record.name)", "error": "\(error)"])
            }
        }
        return failures
    }

    // MARK: - Queries

    /// Every plugin the manager knows: loaded, failed to load, or persisted but not loaded.
    public func getInstalledPlugins() async throws -> [InstalledPlugin] {
        let (loaded, failed) = state.withLock { ($0.loaded, $0.failedLoads) }
        var result = loaded.values.map { $0.snapshot() }
        for (name, failure) in failed where loaded[name] == nil {
            result.append(
                InstalledPlugin(
                    name: name, version: failure.version, description: failure.description, author: failure.author, status: .failed,
                    health: nil, counters: PluginCounters(), lastError: failure.error, settings: failure.settings.redacted, eventPatterns: []
                )
            )
        }
        if let records {
            for record in try await records.pluginRecords() where !result.contains(where: { $0.name == record.name }) {
                result.append(
                    InstalledPlugin(
                        name: record.name, version: record.version, description: record.description ?? "", author: record.author ?? "",
                        status: .inactive, health: nil, counters: PluginCounters(), lastError: nil, settings: record.settings.redacted, eventPatterns: []
                    )
                )
            }
        }
        return result.sorted { $0.name < $1.name }
    }

    /// The loaded plugin called `name`, as `T` (a specialised protocol or the concrete type).
    ///
    /// Calls made on it directly bypass the manager's isolation; prefer
    /// ``executePlugin(_:context:)`` and the specialised helpers for calls that must be isolated.
    public func getPlugin<T>(_ name: String, as _: T.Type = T.self) -> T? {
        state.withLock { $0.loaded[name] }?.plugin as? T
    }

    // MARK: - Calls

    /// Calls the plugin's `execute` with isolation (the seed's `executePlugin`).
    /// Errors, timeouts and refusals (quarantined, draining) come back as failed results.
    /// - Throws: `not_found` only if no plugin by that name is loaded.
    public func executePlugin(_ name: String, context: BillingContext) async throws -> PluginResult {
        let loaded = try require(name)
        switch await loaded.call(failureOf: Self.failureReason, { try await $0.execute(context) }) {
        case .success(let result): return result
        case .failure(let failure): return .failure(failure.message)
        }
    }

    /// Runs several plugins in order on one context; each sees the earlier results in
    /// ``BillingContext/pipelineResults``. The pipeline stops at the first result with
    /// `shouldContinue == false` (a fraud block, a failure).
    public func executePipeline(_ names: [String], context: BillingContext) async throws -> PipelineResult {
        var context = context
        var stages: [(plugin: String, result: PluginResult)] = []
        for name in names {
            let result = try await executePlugin(name, context: context)
            stages.append((name, result))
            context.pipelineResults[name] = result
            if !result.shouldContinue {
                return PipelineResult(stages: stages, stoppedAt: name)
            }
        }
        return PipelineResult(stages: stages, stoppedAt: nil)
    }

    /// Calls any method of a loaded plugin with the manager's isolation: timeout,
    /// counters, circuit breaker. `operation` receives the plugin as `T`.
    /// - Throws: `not_found` if not loaded; `unsupported` if it is not a `T`; the call's
    ///   failure as a ``BillingError`` (`timeout`, `unsupported` while quarantined, or the
    ///   plugin's own error wrapped, secrets redacted).
    public func call<T: Sendable, Value: Sendable>(
        _ name: String, as _: T.Type, _ operation: @escaping @Sendable (T) async throws -> Value
    ) async throws -> Value {
        let loaded = try require(name)
        guard loaded.plugin is T else {
            throw BillingError(.unsupported, "Plugin '\(name)' is not a \(T.self)", field: "name")
        }
        switch await loaded.call({ plugin in try await operation(plugin as! T) }) {
        case .success(let value): return value
        case .failure(let failure): throw failure.error
        }
    }

    /// Delivers one event from the plugin's durable subscription. A refusal or failure
    /// throws, so the subscription retries (after the quarantine, when quarantined).
    private func deliver(_ event: BillingEvent, to name: String) async throws {
        guard let loaded = state.withLock({ $0.loaded[name] }) else {
            throw DeliveryError.postpone(after: .seconds(1), reason: "plugin '\(name)' is not loaded")
        }
        switch await loaded.call(failureOf: Self.failureReason, { try await $0.execute(BillingContext(event: event)) }) {
        case .success(let result):
            if !result.success {
                throw BillingError(.unsupported, "Plugin '\(name)' could not handle the event: \(loaded.redact(result.error ?? "no reason given"))")
            }
        case .failure(let failure):
            // Refused (quarantined, unloading): the event waits without using up an attempt.
            if let wait = failure.retryAfter {
                throw DeliveryError.postpone(after: wait, reason: failure.message)
            }
            // The plugin's own retry-after or give-up.
            if let directive = failure.directive {
                throw directive
            }
            throw failure.error
        }
    }

    /// A failed `PluginResult` counts as a failed call (counters, circuit breaker).
    private static let failureReason: @Sendable (PluginResult) -> String? = { result in
        result.success ? nil : (result.error ?? "returned a failed result")
    }

    private func require(_ name: String) throws -> LoadedPlugin {
        guard let loaded = state.withLock({ $0.loaded[name] }) else {
            throw BillingError(.notFound, "No plugin named '\(name)' is loaded", field: "name")
        }
        return loaded
    }

    // MARK: - Health

    /// Runs every loaded plugin's health check now (quarantined ones as a probe) and
    /// returns the listing.
    @discardableResult
    public func checkHealth() async throws -> [InstalledPlugin] {
        let loaded = state.withLock { Array($0.loaded.values) }
        await withTaskGroup(of: Void.self) { group in
            for plugin in loaded {
                group.addTask { await plugin.checkHealth() }
            }
        }
        return try await getInstalledPlugins()
    }

    /// Runs health checks every ``Configuration/healthCheckInterval`` until shutdown
    /// (they also probe quarantined plugins back to active). On shutdown, every loaded
    /// plugin stops taking events, drains its calls and is shut down; they stay
    /// installed, so the next start loads them again.
    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    try await self.clock.sleep(for: self.configuration.healthCheckInterval)
                    _ = try? await self.checkHealth()
                }
            }
        } catch is CancellationError {
            // Shutdown: health checks simply stop.
        }
        await shutDownAll()
    }

    /// Unloads every loaded plugin without marking it inactive.
    public func shutDownAll() async {
        let names = state.withLock { Array($0.loaded.keys) }
        await withTaskGroup(of: Void.self) { group in
            for name in names {
                group.addTask {
                    do {
                        try await self.unloadPlugin(name, deactivate: false)
                    } catch {
                        self.logger.error("Plugin could not be shut down", metadata: [LogKeys.plugin: "\(name)", "error": "\(error)"])
                    }
                }
            }
        }
    }

    // MARK: - Helpers

    static func subscriptionName(_ plugin: String) -> String {
        "plugin.\(plugin)"
    }

    static func failureText<Value>(of outcome: IsolatedOutcome<Value>, timeout: Duration) -> String? {
        switch outcome {
        case .succeeded: nil
        case .failed(let error): String(describing: error)
        case .timedOut: "did not finish within \(timeout)"
        case .cancelled: "was cancelled"
        }
    }

    private func record(for plugin: any BillingPlugin, settings: PluginSettings, isActive: Bool) async throws -> PluginRecord {
        let existing = try await records?.pluginRecords().first { $0.name == plugin.name }
        let now = clock.now()
        return PluginRecord(
            id: existing?.id ?? UUID().uuidString.lowercased(), name: plugin.name, version: plugin.version,
            description: plugin.description, author: plugin.author, isActive: isActive, settings: settings,
            createdAt: existing?.createdAt ?? now, updatedAt: now
        )
    }
}
