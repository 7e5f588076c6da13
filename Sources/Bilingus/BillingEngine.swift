public import BillingCore
public import BillingPlugins
import BillingStore
public import CoreMetrics
public import Logging
public import ServiceLifecycle
public import Tracing

/// The facade a host service uses: storage, the bus, durable subscriptions and
/// plugins, composed and run as one swift-service-lifecycle `Service`.
///
/// ```swift
/// let engine = try BillingEngine(
///     storage: .sqlite(path: "/var/lib/billing/events.sqlite"),
///     plugins: [.init { RuleBasedTaxPlugin() }],
///     logger: logger
/// )
/// try await ServiceGroup(services: [engine], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger).run()
/// ```
///
/// or, for a script or a test, ``withEngine(_:storage:plugins:middleware:logger:metricsFactory:tracer:clock:wallClock:_:)``.
public final class BillingEngine: Service {
    /// The configuration the engine was created with.
    public let configuration: Configuration
    /// Events, subscription state, installed plugins and plugin state: the one path to the store.
    public let storage: any BillingStorage
    /// Publish, subscribe, live streams.
    public let events: EventBus
    /// Durable subscriptions: subscribe, replay, pause, status, dead letters.
    public let subscriptions: SubscriptionDispatcher
    /// Plugins: load, unload, list, execute, pipelines, tenant settings.
    public let plugins: PluginManager
    /// Outgoing webhooks: endpoints, secret rotation, the delivery log, redelivery.
    public let webhooks: WebhookService
    /// The audit log, when ``Configuration/audit`` is set: verify, query, export, record actions.
    public let audit: AuditLog?

    private let logger: Logger
    private let wallClock: WallClock
    private let ownsStorage: Bool
    private let createdKeyFile: String?
    private let started = OneShot<Result<Void, any Error>>()

    /// Builds the engine; nothing runs until ``run()``.
    /// - Parameters:
    ///   - configuration: plain settings; see ``Configuration``.
    ///   - storage: where everything is kept.
    ///   - plugins: the plugins it can load.
    ///   - middleware: run around every durable delivery (after tracing, metrics and logging).
    ///   - logger: where every component logs; Bilingus never bootstraps logging.
    ///   - metricsFactory: where every component's metrics go; the global `MetricsSystem` by default.
    ///   - tracer: traces of publishes and deliveries; the global tracer by default.
    ///   - clock: what timeouts, retries, leases and health checks wait on.
    ///   - wallClock: the time of day for timestamps, attempt records and leases.
    /// - Throws: a `BillingError` if the database cannot be opened, the sealing key file
    ///   cannot be read or created, a plugin name is invalid, or custom storage has no keys.
    public init(
        configuration: Configuration = Configuration(),
        storage: Storage,
        plugins: [PluginRegistration] = [],
        middleware: [any DeliveryMiddleware] = [],
        logger: Logger = .current,
        metricsFactory: (any MetricsFactory)? = nil,
        tracer: (any Tracer)? = nil,
        clock: any Clock<Duration> = SystemClock(),
        wallClock: WallClock = .system
    ) throws {
        self.configuration = configuration
        self.logger = logger
        self.wallClock = wallClock
        let keyring: SealingKeyring
        var createdKeyFile: String?
        switch storage {
        case .sqlite(let path, let storeConfiguration):
            if let keys = configuration.sealingKeys {
                keyring = keys
            } else {
                let file = SealingKeyFile(path: path + ".key")
                let loaded = try file.loadOrCreate()
                keyring = loaded.keyring
                if loaded.created { createdKeyFile = file.path }
            }
            self.storage = try SQLiteEventStore(path: path, configuration: storeConfiguration)
            ownsStorage = true
        case .inMemory:
            keyring = try configuration.sealingKeys ?? SealingKeyring(current: SealingKey.generate(id: "memory"))
            self.storage = InMemoryEventStore()
            ownsStorage = true
        case .custom(let store):
            guard let keys = configuration.sealingKeys else {
                throw BillingError.invalid("sealingKeys", "Custom storage needs sealing keys in the configuration: there is no file beside which to keep one")
            }
            keyring = keys
            self.storage = store
            ownsStorage = false
        }
        self.createdKeyFile = createdKeyFile
        events = EventBus(
            store: self.storage, configuration: configuration.bus, logger: logger, metricsFactory: metricsFactory, clock: clock,
            wallClock: wallClock, tracer: tracer
        )
        subscriptions = SubscriptionDispatcher(
            store: self.storage, bus: events, configuration: configuration.subscriptions, middleware: middleware, logger: logger,
            metricsFactory: metricsFactory, clock: clock, wallClock: wallClock, tracer: tracer
        )
        let sealer = AESGCMSecretSealer(keyring: keyring)
        self.plugins = PluginManager(
            bus: events, dispatcher: subscriptions, storage: self.storage, sealer: sealer,
            configuration: configuration.plugins, logger: logger, metricsFactory: metricsFactory, clock: clock, wallClock: wallClock
        )
        webhooks = try WebhookService(
            configuration: configuration.webhooks, storage: self.storage, publisher: events, subscriptions: subscriptions, sealer: sealer,
            logger: logger, metricsFactory: metricsFactory, clock: clock, wallClock: wallClock
        )
        let store = self.storage
        audit = configuration.audit.map { AuditLog(storage: store, configuration: $0, logger: logger, clock: clock, wallClock: wallClock) }
        for registration in plugins {
            try registration.register(self.plugins)
        }
        self.registrations = plugins
    }

    private let registrations: [PluginRegistration]

    // MARK: - Lifecycle

    /// Seals secrets stored in clear (or under an old key), loads the installed plugins,
    /// then runs the bus, durable delivery and plugin health checks until graceful
    /// shutdown, which stops plugins first, then delivery (finishing work in flight),
    /// then the bus. A store the engine opened is closed at the end.
    public func run() async throws {
        do {
            try await start()
        } catch {
            started.resolve(.failure(error))
            try? await closeStorage()
            throw error
        }
        // Shut down in reverse order: plugins, webhooks, the audit log's last checkpoint, then
        // delivery, then the bus. A nested group follows its parent's graceful shutdown by itself.
        let services: [any Service] = [events, subscriptions] + (audit.map { [$0] } ?? []) + [webhooks, plugins]
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: services.map { .init(service: $0) }, logger: logger))
        started.resolve(.success(()))
        do {
            try await group.run()
        } catch {
            try? await closeStorage()
            throw error
        }
        try await closeStorage()
    }

    private func start() async throws {
        if let createdKeyFile {
            logger.warning(
                "No sealing key was configured, so one was created beside the database; keep it secret, and back it up apart from the database",
                metadata: ["billing.key.file": "\(createdKeyFile)"]
            )
        }
        do {
            try await plugins.resealSecrets()
        } catch {
            // Those plugins fail to load with the reason; the others run.
            logger.error("Some stored plugin secrets could not be sealed under the current key", error: error)
        }
        // Before anything can publish: a new fan-out subscription starts at the store's end.
        try await webhooks.subscribeFanOut()
        // The audit subscription starts at the store's first event, so it misses nothing either way.
        try await audit?.subscribe(on: subscriptions)
        try await plugins.loadPersistedPlugins()
        for registration in registrations {
            guard let settings = registration.installAtStart, try await storage.pluginRecord(named: registration.name) == nil else { continue }
            do {
                try await plugins.loadPlugin(registration.name, settings: settings)
            } catch {
                logger.error("A plugin configured to install at start could not be loaded", error: error, metadata: [LogKeys.plugin: "\(registration.name)"])
            }
        }
    }

    private func closeStorage() async throws {
        if ownsStorage { try await storage.close() }
    }

    /// Runs `body` with a started engine, then shuts it down gracefully (also when `body` throws).
    public static func withEngine<Result: Sendable>(
        _ configuration: Configuration = Configuration(),
        storage: Storage,
        plugins: [PluginRegistration] = [],
        middleware: [any DeliveryMiddleware] = [],
        logger: Logger = .current,
        metricsFactory: (any MetricsFactory)? = nil,
        tracer: (any Tracer)? = nil,
        clock: any Clock<Duration> = SystemClock(),
        wallClock: WallClock = .system,
        _ body: (BillingEngine) async throws -> Result
    ) async throws -> Result {
        let engine = try BillingEngine(
            configuration: configuration, storage: storage, plugins: plugins, middleware: middleware, logger: logger,
            metricsFactory: metricsFactory, tracer: tracer, clock: clock, wallClock: wallClock
        )
        let group = ServiceGroup(services: [engine], logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let outcome: Swift.Result<Result, any Error>
            do {
                try await engine.started.wait()?.get()
                outcome = .success(try await body(engine))
            } catch {
                outcome = .failure(error)
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return try outcome.get()
        }
    }

    // MARK: - Health

    /// Storage reachability, every subscription's lag, dead letters and cursor, and
    /// every plugin's health (the checks run now).
    public func health() async -> HealthReport {
        var storageError: String?
        var head: Int64?
        do {
            head = try await storage.headSequence()
        } catch {
            storageError = "\(error)"
        }
        let statuses = (try? await subscriptions.statuses()) ?? []
        await plugins.checkHealth()
        let pluginList = (try? await plugins.installedPlugins()) ?? []
        return HealthReport(storageError: storageError, headSequence: head, subscriptions: statuses, plugins: pluginList)
    }
}
