public import BillingCore
public import BillingStore
public import CoreMetrics
public import Logging
public import Tracing

extension BillingEngine {
    /// Where the engine keeps events, subscriptions and installed plugins.
    public enum Storage: Sendable {
        /// A SQLite file (the default).
        case sqlite(path: String, configuration: SQLiteEventStore.Configuration = SQLiteEventStore.Configuration())
        /// Process memory, for tests: everything is lost at exit.
        case inMemory
        /// Any store implementing the storage protocols (PostgreSQL, a custom one).
        case custom(any BillingStorage)
    }

    /// A plugin the engine can load.
    public struct PluginRegistration: Sendable {
        /// The name the plugin is registered and installed under.
        public let name: String
        /// Makes an instance.
        public let factory: PluginManager.Factory
        /// When set, the engine installs the plugin with these settings at start, unless
        /// it is already installed (then the persisted settings and `isActive` win).
        public let installAtStart: PluginSettings?

        /// Registers a plugin factory.
        public init(_ name: String, installAtStart: PluginSettings? = nil, factory: @escaping PluginManager.Factory) {
            self.name = name
            self.installAtStart = installAtStart
            self.factory = factory
        }
    }

    /// Everything the engine is made of; every property has a default.
    public struct Configuration: Sendable {
        /// Storage (default: `bilingus.sqlite` in the working directory).
        public var storage: Storage
        /// The plugins to register.
        public var plugins: [PluginRegistration]
        /// Where every component logs; never bootstrapped by Bilingus.
        public var logger: Logger
        /// Where every component's metrics go; the global `MetricsSystem` by default.
        public var metricsFactory: (any MetricsFactory)?
        /// Time for timestamps, timeouts, retries and health checks.
        public var clock: any BillingClock
        /// Traces of publishes and deliveries; the global tracer by default.
        public var tracer: (any Tracer)?
        /// The bus: limits, handler timeouts, dispatch mode.
        public var bus: EventBus.Configuration
        /// Durable delivery: polling, shutdown deadline, concurrency.
        public var subscriptions: SubscriptionDispatcher.Configuration
        /// Plugin isolation: timeouts, circuit breaker, health checks.
        public var pluginManager: PluginManager.Configuration
        /// The plugins ``BillingEngine/initiatePayment(_:paymentMethodId:user:tenantId:metadata:idempotencyKey:checks:)``
        /// runs, in order, before a payment is initiated: fraud, then tax (default: none).
        public var paymentChecks: [String]

        /// Creates a configuration; every parameter has the documented default.
        public init(
            storage: Storage = .sqlite(path: "bilingus.sqlite"),
            plugins: [PluginRegistration] = [],
            logger: Logger = Logger(label: "billing"),
            metricsFactory: (any MetricsFactory)? = nil,
            clock: any BillingClock = SystemClock(),
            tracer: (any Tracer)? = nil,
            bus: EventBus.Configuration = EventBus.Configuration(),
            subscriptions: SubscriptionDispatcher.Configuration = SubscriptionDispatcher.Configuration(),
            pluginManager: PluginManager.Configuration = PluginManager.Configuration(),
            paymentChecks: [String] = []
        ) {
            self.storage = storage
            self.plugins = plugins
            self.logger = logger
            self.metricsFactory = metricsFactory
            self.clock = clock
            self.tracer = tracer
            self.bus = bus
            self.subscriptions = subscriptions
            self.pluginManager = pluginManager
            self.paymentChecks = paymentChecks
        }
    }
}
