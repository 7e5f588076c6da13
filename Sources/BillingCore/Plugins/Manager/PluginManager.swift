public import CoreMetrics
public import Logging
public import ServiceLifecycle
import Synchronization

/// Loads, isolates, feeds and persists plugins (the specification's `PluginManager`).
///
/// - **Factories by type.** The host registers how to make each plugin; the name comes
///   from the plugin's type (``BillingPlugin/name``), so it cannot disagree.
/// - **Events through durable subscriptions.** Each plugin gets the ordinary durable
///   subscription `plugin.<name>` for the patterns it declares plus its capabilities'
///   defaults (a `PaymentPlugin` receives `payment.initiated`). Its handler is the
///   plugin's `execute`, behind the circuit-breaker middleware: one delivery timeout,
///   one set of metrics, retries and dead letters like any subscription.
/// - **Isolation.** Direct calls have a timeout too; errors become failed results;
///   consecutive failures quarantine the plugin, which is probed later and becomes
///   active again when it recovers. Events for a quarantined plugin wait.
/// - **Settings per tenant.** Default settings, and per-tenant overrides changed at
///   run time; every call uses its tenant's settings. Secrets are sealed at rest and
///   redacted, in every form, from errors, listings, dead letters and logs.
/// - **Persistence.** Installed plugins and their settings are saved and loaded again
///   by ``loadPersistedPlugins()`` when the engine starts, respecting `isActive`.
public final class PluginManager: Service {
    /// Timeouts, the circuit breaker and health checks; every property has a default.
    public struct Configuration: Sendable {
        /// How long one direct call (``execute(_:context:)``, pipelines, ``call(_:as:_:)``) may run (default 30 s).
        public var callTimeout: Duration
        /// How long `initialize` may run (default 30 s).
        public var initializeTimeout: Duration
        /// Consecutive failures that quarantine a plugin (default 5).
        public var failureThreshold: Int {
            didSet { failureThreshold = max(1, failureThreshold) }
        }
        /// How long a quarantined plugin rests before it is probed (default 30 s).
        public var quarantineDuration: Duration
        /// How often health checks run (default 30 s).
        public var healthCheckInterval: Duration
        /// How long unloading waits for calls in flight before shutting the plugin down anyway (default 30 s).
        public var drainTimeout: Duration
        /// Retries, delivery timeout and start position of plugins' durable subscriptions
        /// (default: the subscription defaults, except that a plugin installed for the first
        /// time starts after the last stored event, so it never acts on history: a payment
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
            delivery: DurableSubscriptionOptions = DurableSubscriptionOptions(startPosition: .end)
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
    typealias Factory = @Sendable () -> any BillingPlugin

    /// The configuration the manager was created with.
    public let configuration: Configuration

    let bus: EventBus
    let dispatcher: SubscriptionDispatcher
    let storage: any BillingStorage
    let sealer: any SecretSealer
    let logger: Logger
    let metricsFactory: any MetricsFactory
    let clock: any Clock<Duration>
    let wallClock: WallClock
    let time: Stopwatch
    let state = Locked(State())

    struct State {
        var factories: [String: Factory] = [:]
        var loaded: [String: LoadedPlugin] = [:]
        var failedLoads: [String: FailedLoad] = [:]
    }

    /// A plugin whose load failed: listed as `failed` with its error.
    struct FailedLoad {
        let version: String
        let description: String
        let author: String
        let error: String
        /// Its settings as listed: secrets as `***`.
        let settings: JSONValue
    }

    /// Creates a manager.
    /// - Parameters:
    ///   - bus: what plugins publish through (they get a publisher, never the bus).
    ///   - dispatcher: runs the plugins' durable subscriptions.
    ///   - storage: events plugins read, installed plugins, plugin state.
    ///   - sealer: seals secret settings before they are stored.
    ///   - configuration: timeouts, the circuit breaker, health checks and delivery options.
    ///   - logger: where the manager and (tagged with `billing.plugin`, secrets redacted) the plugins log.
    ///   - metricsFactory: where plugin metrics go; the global `MetricsSystem` by default.
    ///   - clock: times calls, quarantines and health checks.
    ///   - wallClock: stamps records and plugin state.
    public init(
        bus: EventBus,
        dispatcher: SubscriptionDispatcher,
        storage: any BillingStorage,
        sealer: any SecretSealer,
        configuration: Configuration = Configuration(),
        logger: Logger = .current,
        metricsFactory: (any MetricsFactory)? = nil,
        clock: any Clock<Duration> = SystemClock(),
        wallClock: WallClock = .system
    ) {
        self.bus = bus
        self.dispatcher = dispatcher
        self.storage = storage
        self.sealer = sealer
        self.configuration = configuration
        self.logger = logger
        self.metricsFactory = metricsFactory ?? MetricsSystem.factory
        self.clock = clock
        self.wallClock = wallClock
        self.time = Stopwatch(clock: clock)
    }

    // MARK: - Registration

    /// Registers how to make a plugin; its name is its type's ``BillingPlugin/name``.
    /// Registering the same name again replaces the factory.
    /// - Throws: `invalid.argument` if the name is not 1 to 64 lowercase letters, digits, `-`, `_` or `.`.
    public func register<Plugin: BillingPlugin>(_ factory: @escaping @Sendable () -> Plugin) throws {
        let name = Plugin.name
        try Self.validate(name: name)
        state.withLock { $0.factories[name] = { factory() } }
    }

    /// The names with a registered factory.
    public var registeredNames: [String] {
        state.withLock { $0.factories.keys.sorted() }
    }

    /// The name of a plugin's durable subscription: `plugin.<name>`.
    public static func subscriptionName(of plugin: String) -> String {
        "plugin.\(plugin)"
    }

    static func validate(name: String) throws {
        let allowed = name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
        guard !name.isEmpty, name.utf8.count <= 64, allowed else {
            throw BillingError.invalid("name", "A plugin name must be 1 to 64 lowercase letters, digits, '-', '_' or '.'")
        }
    }

    // MARK: - Queries

    /// Every plugin the manager knows: loaded, failed to load, or installed but not
    /// loaded; settings redacted. The one listing (the specification's `getInstalledPlugins`).
    public func installedPlugins() async throws -> [InstalledPlugin] {
        let (loaded, failed) = state.withLock { ($0.loaded, $0.failedLoads) }
        var result = loaded.values.map { $0.snapshot() }
        for (name, failure) in failed where loaded[name] == nil {
            result.append(
                InstalledPlugin(
                    name: name, version: failure.version, description: failure.description, author: failure.author, status: .failed,
                    health: nil, counters: PluginCounters(), lastError: failure.error, settings: failure.settings,
                    tenantsWithSettings: [], eventPatterns: []
                )
            )
        }
        for record in try await storage.pluginRecords() where !result.contains(where: { $0.name == record.name }) {
            result.append(
                InstalledPlugin(
                    name: record.name, version: record.version, description: record.description ?? "", author: record.author ?? "",
                    status: .inactive, health: nil, counters: PluginCounters(), lastError: nil,
                    settings: Self.listing(of: record.settings), tenantsWithSettings: record.tenantSettings.keys.sorted(), eventPatterns: []
                )
            )
        }
        return result.sorted { $0.name < $1.name }
    }

    /// The listing form of stored settings without opening them: secret values as `***`.
    static func listing(of sealed: SealedSettings) -> JSONValue {
        guard case .object(let entries) = sealed.json else { return [:] }
        return .object(entries.mapValues { entry in
            entry["sealed"] != nil || entry["secret"]?.boolValue == true ? "***" : (entry["value"] ?? .null)
        })
    }

    /// The loaded plugin called `name`, as `T` (a specialised protocol or the concrete
    /// type; the specification's `getPlugin`).
    ///
    /// Calls made on it directly bypass the manager's isolation; prefer ``call(_:as:_:)``.
    public func plugin<T>(named name: String, as _: T.Type = T.self) -> T? {
        state.withLock { $0.loaded[name] }?.plugin as? T
    }

    /// The durable state of plugin `name`, as the plugin sees it: for operators who must
    /// look at or release an entry (a claim a crashed delivery left, say).
    public func state(of name: String) -> PluginState {
        PluginState(plugin: name, store: storage, wallClock: wallClock)
    }

    func require(_ name: String) throws -> LoadedPlugin {
        guard let loaded = state.withLock({ $0.loaded[name] }) else {
            throw BillingError(.notFound, "No plugin named '\(name)' is loaded", field: "name")
        }
        return loaded
    }

    // MARK: - Service

    /// Runs health checks every ``Configuration/healthCheckInterval`` until shutdown
    /// (they also probe quarantined plugins back to active) and removes expired plugin
    /// state. On shutdown every loaded plugin stops taking events, drains its calls and
    /// is shut down; they stay installed, so the next start loads them again.
    public func run() async throws {
        await runHealthChecks()
        await shutDownAll()
    }
}
