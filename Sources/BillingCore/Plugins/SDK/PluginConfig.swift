public import CoreMetrics
public import Logging

/// What a plugin gets at `initialize` (the specification's `PluginConfig`): exactly
/// what it needs and nothing more, the way a swift-log backend sees only log events.
///
/// A plugin never gets the bus, the dispatcher or the subscription store, so it cannot
/// move another subscription's cursor or delete its dead letters.
public struct PluginConfig: Sendable {
    /// The plugin's name.
    public let pluginName: String
    /// Its default settings. A call's own tenant's settings are in ``BillingContext/settings``.
    public let settings: PluginSettings
    /// Publishes events (`payment.completed`, the plugin's own types).
    public let publisher: any EventPublisher
    /// Reads stored events: filtered, by id, by idempotency key, in pages and streams.
    public let events: any EventReader
    /// The plugin's own durable state, namespaced to it.
    public let state: PluginState
    /// A logger with `billing.plugin` set; its output has the plugin's secrets redacted.
    public let logger: Logger
    /// Where the plugin's own metrics go.
    public let metrics: any MetricsFactory
    /// The clock to wait on (timeouts, backoff) instead of `Task.sleep`, so tests can drive it.
    public let clock: any Clock<Duration>
    /// The time of day, instead of `Date()`.
    public let wallClock: WallClock

    private let tenantOverrides: @Sendable (String) -> PluginSettings?

    /// Creates a configuration (the plugin manager does this; harnesses and tests may too).
    /// - Parameters:
    ///   - pluginName: the plugin's name; logs are tagged with it.
    ///   - settings: its default settings.
    ///   - publisher: where its events go; it can publish and nothing else.
    ///   - events: the events it may read.
    ///   - state: its own durable state.
    ///   - logger: its logger (tag it, and redact its secrets, before passing it).
    ///   - metrics: where its metrics go.
    ///   - clock: what it waits on.
    ///   - wallClock: the time of day.
    ///   - tenantSettings: a tenant's own settings, if it has any; read at each call.
    public init(
        pluginName: String, settings: PluginSettings, publisher: any EventPublisher, events: any EventReader,
        state: PluginState, logger: Logger, metrics: any MetricsFactory, clock: any Clock<Duration>, wallClock: WallClock,
        tenantSettings: @escaping @Sendable (String) -> PluginSettings? = { _ in nil }
    ) {
        self.pluginName = pluginName
        self.settings = settings
        self.publisher = ScopedPublisher(publisher)
        self.events = ReadOnlyEvents(events)
        self.state = state
        var logger = logger
        logger[metadataKey: LogKeys.plugin] = "\(pluginName)"
        self.logger = logger
        self.metrics = metrics
        self.clock = clock
        self.wallClock = wallClock
        self.tenantOverrides = tenantSettings
    }

    /// The settings that apply to `tenantId`: the defaults, with the tenant's own
    /// values on top. A key neither has reads as missing; another tenant's values are
    /// never used.
    public func settings(forTenant tenantId: String?) -> PluginSettings {
        guard let tenantId, let overrides = tenantOverrides(tenantId) else { return settings }
        return settings.merging(overrides)
    }
}
