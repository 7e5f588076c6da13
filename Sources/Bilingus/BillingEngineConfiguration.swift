public import BillingCore
public import BillingPlugins
public import BillingStore

extension BillingEngine {
    /// Where the engine keeps events, subscriptions, installed plugins and plugin state.
    public enum Storage: Sendable {
        /// A SQLite file. The engine opens it, and closes it when it stops.
        case sqlite(path: String, configuration: SQLiteEventStore.Configuration = SQLiteEventStore.Configuration())
        /// Process memory, for tests and demos: everything is lost at exit.
        case inMemory
        /// Any store implementing the storage protocols (PostgreSQL, a custom one). The
        /// host opens and closes it; the engine only uses it.
        case custom(any BillingStorage)
    }

    /// A plugin the engine can load: its factory, and optionally settings to install it
    /// with at the first start. Its name comes from the plugin's type.
    public struct PluginRegistration: Sendable {
        /// The plugin's name (its type's `BillingPlugin.name`).
        public let name: String
        /// When set, the engine installs the plugin with these settings at start, unless
        /// it is already installed (then the stored settings and `isActive` win).
        public let installAtStart: PluginSettings?
        let register: @Sendable (PluginManager) throws -> Void

        /// Registers a plugin type's factory.
        public init<Plugin: BillingPlugin>(installAtStart: PluginSettings? = nil, _ factory: @escaping @Sendable () -> Plugin) {
            name = Plugin.name
            self.installAtStart = installAtStart
            register = { manager in try manager.register(factory) }
        }
    }

    /// The engine's settings: plain values, every one with a default. What the engine
    /// is made of (storage, plugins, logger, metrics, tracer, clocks) are initializer
    /// parameters instead, as in Hummingbird's `Application`.
    public struct Configuration: Sendable {
        /// The bus: limits, payload types, handler timeouts, dispatch mode.
        public var bus: EventBus.Configuration
        /// Durable delivery: polling, shutdown deadline, concurrency, leases.
        public var subscriptions: SubscriptionDispatcher.Configuration
        /// Plugin isolation: timeouts, circuit breaker, health checks, delivery options.
        public var plugins: PluginManager.Configuration
        /// The plugins ``BillingEngine/initiatePayment(_:paymentMethodId:user:tenantId:metadata:idempotencyKey:checks:)``
        /// runs, in order, before a payment is initiated: fraud, then tax (default: none).
        /// Name them by their types: `[RuleBasedFraudPlugin.name, RuleBasedTaxPlugin.name]`.
        public var paymentChecks: [String]
        /// The keys that seal secrets at rest: the current one seals, previous ones still
        /// open what they sealed. `nil` (the default): for SQLite storage, a key file
        /// `<database>.key` beside the database, created with permissions 0600 on first
        /// use (the engine logs a warning once); for in-memory storage, a key made at
        /// start; custom storage requires keys. Read them from the environment with
        /// `SealingKeyring(environmentValue:)`.
        public var sealingKeys: SealingKeyring?
        /// Outgoing webhooks: retry schedule, timeouts, concurrency, the SSRF allow-list,
        /// secret rotation's grace period, auto-disable and log retention.
        public var webhooks: WebhookConfiguration
        /// The tamper-evident audit log: `nil` (the default) leaves it off; set, the engine
        /// records every event in ``BillingEngine/audit`` and checkpoints its chains.
        public var audit: AuditConfiguration?

        /// Creates a configuration; every parameter has the documented default.
        public init(
            bus: EventBus.Configuration = EventBus.Configuration(),
            subscriptions: SubscriptionDispatcher.Configuration = SubscriptionDispatcher.Configuration(),
            plugins: PluginManager.Configuration = PluginManager.Configuration(),
            paymentChecks: [String] = [],
            sealingKeys: SealingKeyring? = nil,
            webhooks: WebhookConfiguration = WebhookConfiguration(),
            audit: AuditConfiguration? = nil
        ) {
            self.bus = bus
            self.subscriptions = subscriptions
            self.plugins = plugins
            self.paymentChecks = paymentChecks
            self.sealingKeys = sealingKeys
            self.webhooks = webhooks
            self.audit = audit
        }
    }
}
