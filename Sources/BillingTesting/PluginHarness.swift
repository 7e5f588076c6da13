public import BillingCore
public import BillingStore
public import Logging
public import MetricsTestKit

/// Runs one plugin against scripted events, the way the engine would, without an engine.
///
/// The harness owns an in-memory store, a bus whose published events are recorded,
/// a ``TestClock`` and test metrics. It initializes the plugin with a real
/// `PluginConfig` (a publisher, a reader, the plugin's own state, its settings, a
/// logger, metrics and clocks), stores each scripted event (so it has a sequence, as
/// delivered events do) and hands it to the plugin's `execute` with the settings of
/// the event's tenant, as the plugin's durable subscription would.
///
/// ```swift
/// let harness = PluginHarness(plugin: LoyaltyPointsPlugin(), settings: ["pointsPerUnit": 10])
/// try await harness.initialize()
/// let result = try await harness.deliver(InvoicePaid(invoice: invoice))
/// let awarded = try await harness.recorder.expect(LoyaltyPointsAwarded.eventType)
/// ```
public final class PluginHarness<Plugin: BillingPlugin>: Sendable {
    /// The plugin under test.
    public let plugin: Plugin
    /// Its default settings.
    public let settings: PluginSettings
    /// Tenants' own settings, on top of the defaults.
    public let tenantSettings: [String: PluginSettings]
    /// The store behind the bus; also holds the plugin's state.
    public let store: InMemoryEventStore
    /// The bus the plugin's publisher writes to.
    public let bus: EventBus
    /// Every event published through the bus, scripted events included.
    public let recorder: EventRecorder
    /// The clock handed to the plugin.
    public let clock: TestClock
    /// The metrics factory handed to the plugin.
    public let metrics: TestMetrics
    /// The config the plugin receives.
    public let config: PluginConfig

    /// Creates a harness.
    public init(
        plugin: Plugin, settings: PluginSettings = [:], tenantSettings: [String: PluginSettings] = [:], clock: TestClock = TestClock(),
        logger: Logger = .current
    ) {
        self.plugin = plugin
        self.settings = settings
        self.tenantSettings = tenantSettings
        self.clock = clock
        let store = InMemoryEventStore()
        let metrics = TestMetrics()
        let bus = EventBus(store: store, logger: logger, metricsFactory: metrics, clock: clock, wallClock: clock.wallClock)
        self.store = store
        self.metrics = metrics
        self.bus = bus
        self.recorder = EventRecorder(bus: bus)
        self.config = PluginConfig(
            pluginName: Plugin.name, settings: settings, publisher: bus, events: store,
            state: PluginState(plugin: Plugin.name, store: store, wallClock: clock.wallClock),
            logger: logger.redacting(tenantSettings.values.reduce(settings.redactor) { $0.union($1.redactor) }),
            metrics: metrics, clock: clock, wallClock: clock.wallClock, tenantSettings: { tenantSettings[$0] }
        )
    }

    /// The plugin's state, as the plugin sees it.
    public var state: PluginState { config.state }

    /// Calls the plugin's `initialize`.
    public func initialize() async throws {
        try await plugin.initialize(config)
    }

    /// Stores `event` and delivers it to the plugin's `execute` (attempt 1), as its durable subscription would.
    @discardableResult
    public func deliver(_ event: BillingEvent) async throws -> PluginResult {
        let stored = try await bus.publish(event).event
        return try await plugin.execute(context(for: stored, attempt: 1))
    }

    /// Stores a typed payload as an event and delivers it.
    @discardableResult
    public func deliver<Payload: BillingEventPayload>(_ payload: Payload, tenantId: String? = nil) async throws -> PluginResult {
        try await deliver(BillingEvent(payload, timestamp: clock.wallClock.now(), tenantId: tenantId))
    }

    /// Delivers the same stored event again, as a redelivery after a crash would (the next attempt).
    @discardableResult
    public func redeliver(_ event: BillingEvent, attempt: Int = 2) async throws -> PluginResult {
        guard let stored = try await store.event(id: event.id) else {
            throw ExpectationFailed("event \(event.id) was never delivered, so it cannot be redelivered")
        }
        return try await plugin.execute(context(for: stored, attempt: attempt))
    }

    /// Calls `execute` directly, as a host's direct call or a pipeline would (no delivery),
    /// with the settings of the context's tenant.
    @discardableResult
    public func execute(_ context: BillingContext) async throws -> PluginResult {
        var context = context
        context.settings = config.settings(forTenant: context.tenantId)
        return try await plugin.execute(context)
    }

    /// Calls the plugin's `shutdown`.
    public func shutdown() async throws {
        try await plugin.shutdown()
    }

    private func context(for event: BillingEvent, attempt: Int) -> BillingContext {
        var context = BillingContext(event: event)
        context.delivery = Delivery(event: event, subscription: PluginManager.subscriptionName(of: Plugin.name), attempt: attempt)
        context.settings = config.settings(forTenant: event.tenantId)
        return context
    }
}
