public import BillingCore
import BillingStore
import Logging
public import ServiceLifecycle
import Synchronization

/// The facade a host service uses: storage, the bus, durable subscriptions and
/// plugins, composed and run as one swift-service-lifecycle `Service`.
///
/// ```swift
/// let engine = try BillingEngine(configuration: .init(
///     storage: .sqlite(path: "/var/lib/billing/events.sqlite"),
///     plugins: [.init("stripe-payment", factory: { StripePaymentPlugin() })]
/// ))
/// try await ServiceGroup(services: [engine], gracefulShutdownSignals: [.sigterm], logger: logger).run()
/// ```
///
/// or, for a script or a test, ``withEngine(_:_:)``.
public final class BillingEngine: Service, Sendable {
    /// The configuration the engine was created with.
    public let configuration: Configuration
    /// Events, subscription state and installed plugins.
    public let storage: any BillingStorage
    /// Publish, subscribe, query (`events.store`).
    public let events: EventBus
    /// Durable subscriptions: subscribe, replay, pause, status.
    public let subscriptions: SubscriptionDispatcher
    /// Plugins: load, unload, list, execute, pipelines.
    public let plugins: PluginManager
    /// Dead letters: list, inspect, redeliver, discard.
    public let deadLetters: DeadLetterOperations

    private let logger: Logger
    private let started = StartSignal()

    /// Builds the engine; nothing runs until ``run()``.
    /// - Throws: a `BillingError` if the SQLite database cannot be opened.
    public init(configuration: Configuration = Configuration()) throws {
        self.configuration = configuration
        logger = configuration.logger
        switch configuration.storage {
        case .sqlite(let path, let storeConfiguration):
            storage = try SQLiteEventStore(path: path, configuration: storeConfiguration)
        case .inMemory:
            storage = InMemoryEventStore()
        case .custom(let store):
            storage = store
        }
        events = EventBus(
            store: storage, configuration: configuration.bus, logger: configuration.logger,
            metricsFactory: configuration.metricsFactory, clock: configuration.clock, tracer: configuration.tracer
        )
        subscriptions = SubscriptionDispatcher(
            store: storage, bus: events, configuration: configuration.subscriptions, logger: configuration.logger,
            metricsFactory: configuration.metricsFactory, clock: configuration.clock, tracer: configuration.tracer
        )
        plugins = PluginManager(
            bus: events, dispatcher: subscriptions, records: storage, configuration: configuration.pluginManager,
            logger: configuration.logger, metricsFactory: configuration.metricsFactory, clock: configuration.clock
        )
        deadLetters = DeadLetterOperations(dispatcher: subscriptions)
        for registration in configuration.plugins {
            plugins.register(registration.name, factory: registration.factory)
        }
    }

    // MARK: - Lifecycle

    /// Loads the installed plugins, then runs the bus, durable delivery and plugin
    /// health checks until graceful shutdown, which stops plugins first, then
    /// delivery (finishing work in flight), then the bus.
    public func run() async throws {
        do {
            try await startPlugins()
        } catch {
            started.fire(failure: error)
            throw error
        }
        // Shut down in reverse order: plugins, then delivery, then the bus.
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: events), .init(service: subscriptions), .init(service: plugins)],
                logger: logger
            )
        )
        started.fire(failure: nil)
        try await withGracefulShutdownHandler {
            try await group.run()
        } onGracefulShutdown: {
            Task { await group.triggerGracefulShutdown() }
        }
    }

    /// Runs `body` with a started engine, then shuts it down gracefully (also when `body` throws).
    public static func withEngine<Result: Sendable>(
        _ configuration: Configuration = Configuration(),
        _ body: (BillingEngine) async throws -> Result
    ) async throws -> Result {
        let engine = try BillingEngine(configuration: configuration)
        let group = ServiceGroup(services: [engine], logger: configuration.logger)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let outcome: Swift.Result<Result, any Error>
            do {
                try await engine.started.wait()
                outcome = .success(try await body(engine))
            } catch {
                outcome = .failure(error)
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return try outcome.get()
        }
    }

    private func startPlugins() async throws {
        try await plugins.loadPersistedPlugins()
        let installed = Set(try await storage.pluginRecords().map(\.name))
        for registration in configuration.plugins {
            guard let settings = registration.installAtStart, !installed.contains(registration.name) else { continue }
            do {
                try await plugins.loadPlugin(registration.name, settings: settings)
            } catch {
                logger.error("A plugin configured to install at start could not be loaded", metadata: [LogKeys.plugin: "\(registration.name)", "error": "\(error)"])
            }
        }
    }

    // MARK: - Health

    /// Storage reachability, every subscription's lag and dead letters, and every plugin's health.
    public func health() async -> HealthReport {
        var storageError: String?
        var head: Int64?
        do {
            head = try await storage.headSequence()
        } catch {
            storageError = "\(error)"
        }
        let statuses = (try? await subscriptions.statuses()) ?? []
        let pluginList = (try? await plugins.checkHealth()) ?? []
        return HealthReport(storageError: storageError, headSequence: head, subscriptions: statuses, plugins: pluginList)
    }

    // MARK: - Admin operations (the seed's REST routes)

    /// `GET /plugins`: the installed plugins, settings redacted.
    public func listInstalledPlugins() async throws -> [InstalledPlugin] {
        try await plugins.getInstalledPlugins()
    }

    /// `POST /plugins/:name/install`: loads the registered plugin with `settings` and persists it.
    public func installPlugin(_ name: String, settings: PluginSettings) async throws {
        try await plugins.loadPlugin(name, settings: settings)
    }

    /// `DELETE /plugins/:name`: unloads the plugin and forgets it.
    public func uninstallPlugin(_ name: String) async throws {
        try await plugins.uninstallPlugin(name)
    }
}

/// Dead-letter operations, grouped for the engine's surface.
public struct DeadLetterOperations: Sendable {
    let dispatcher: SubscriptionDispatcher

    /// Dead letters in id order, optionally of one subscription.
    public func list(subscription: String? = nil, after id: Int64? = nil, limit: Int = 100) async throws -> [DeadLetter] {
        try await dispatcher.deadLetters(subscription: subscription, after: id, limit: limit)
    }

    /// One dead letter.
    public func get(_ id: Int64) async throws -> DeadLetter? {
        try await dispatcher.deadLetter(id: id)
    }

    /// Delivers one dead letter again.
    public func redeliver(_ id: Int64) async throws {
        try await dispatcher.redeliver(deadLetter: id)
    }

    /// Delivers every dead letter of a subscription again.
    @discardableResult
    public func redeliverAll(subscription: String) async throws -> Int {
        try await dispatcher.redeliverAll(subscription: subscription)
    }

    /// Deletes dead letters without delivering them.
    @discardableResult
    public func discard(_ selection: DeadLetterSelection) async throws -> Int {
        try await dispatcher.discard(selection)
    }
}

/// Fires once the engine has loaded its plugins and started its services (or failed to).
private final class StartSignal: Sendable {
    private struct State {
        var outcome: Result<Void, any Error>?
        var waiters: [CheckedContinuation<Void, any Error>] = []
    }

    private let state = Mutex(State())

    func fire(failure: (any Error)?) {
        let outcome: Result<Void, any Error> = failure.map { .failure($0) } ?? .success(())
        let waiters = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            state.outcome = outcome
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(with: outcome) }
    }

    func wait() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let outcome = state.withLock { state -> Result<Void, any Error>? in
                if let outcome = state.outcome { return outcome }
                state.waiters.append(continuation)
                return nil
            }
            if let outcome { continuation.resume(with: outcome) }
        }
    }
}
