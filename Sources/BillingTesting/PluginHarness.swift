public import BillingCore
public import BillingStore
public import Logging
public import MetricsTestKit

/// Runs one plugin against scripted events, the way the engine would, without an engine.
///
/// The harness owns an in-memory store, a bus whose published events are recorded,
/// a ``TestClock`` and test metrics. It initializes the plugin with a real
/// `PluginConfig`, stores each scripted event (so it has a sequence, as delivered
/// events do) and hands it to the plugin's `execute`.
///
/// ```swift
/// let harness = PluginHarness(plugin: LoyaltyPoints(), settings: ["pointsPerUnit": 10])
/// try await harness.initialize()
/// let result = try await harness.deliver(InvoicePaid(invoice: invoice))
/// let awarded = try await harness.recorder.expect(try BillingEventType("loyalty.points_awarded"))
/// ```
public final class PluginHarness<Plugin: BillingPlugin>: Sendable {
    /// The plugin under test.
    public let plugin: Plugin
    /// The settings it is initialized with.
    public let settings: PluginSettings
    /// The store behind the bus.
    public let store: InMemoryEventStore
    /// The bus handed to the plugin.
    public let bus: EventBus
    /// Every event published through the bus, scripted events included.
    public let recorder: EventRecorder
    /// The clock handed to the plugin.
    public let clock: TestClock
    /// The metrics factory handed to the plugin.
    public let metrics: TestMetrics

    /// Creates a harness.
    public init(plugin: Plugin, settings: PluginSettings = [:], clock: TestClock = TestClock(), logger: Logger = Logger(label: "billing.testing")) {
        self.plugin = plugin
        self.settings = settings
        self.clock = clock
        let store = InMemoryEventStore()
        let metrics = TestMetrics()
        let bus = EventBus(store: store, metricsFactory: metrics, clock: clock)
        self.store = store
        self.metrics = metrics
        self.bus = bus
        self.recorder = EventRecorder(bus: bus)
        self.config = PluginConfig(
            pluginName: plugin.name, settings: settings, bus: bus, storage: store, logger: logger, metrics: metrics, clock: clock
        )
    }

    /// The config the plugin receives.
    public let config: PluginConfig

    /// Calls the plugin's `initialize`.
    public func initialize() async throws {
        try await plugin.initialize(config)
    }

    /// Stores `event` and delivers it to the plugin's `execute`, as its durable subscription would.
    @discardableResult
    public func deliver(_ event: BillingEvent) async throws -> PluginResult {
        let stored = try await bus.publish(event)
        return try await plugin.execute(BillingContext(event: stored))
    }

    /// Stores a typed payload as an event and delivers it.
    @discardableResult
    public func deliver<Payload: BillingEventPayload>(_ payload: Payload, tenantId: String? = nil) async throws -> PluginResult {
        try await deliver(BillingEvent(payload, timestamp: clock.now(), tenantId: tenantId))
    }

    /// Delivers the same stored event again, as a redelivery after a crash would.
    @discardableResult
    public func redeliver(_ event: BillingEvent) async throws -> PluginResult {
        guard let stored = try await store.event(id: event.id) else {
            throw ExpectationFailed("event \(event.id) was never delivered, so it cannot be redelivered")
        }
        return try await plugin.execute(BillingContext(event: stored))
    }

    /// Calls the plugin's `shutdown`.
    public func shutdown() async throws {
        try await plugin.shutdown()
    }
}
