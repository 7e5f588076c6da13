public import CoreMetrics
public import Logging

/// What a plugin gets at `initialize` (the seed's `PluginConfig`).
public struct PluginConfig: Sendable {
    /// The plugin's name.
    public let pluginName: String
    /// Its typed settings; secrets are redacted wherever they are shown.
    public let settings: PluginSettings
    /// The bus, to publish (`payment.completed`) and subscribe.
    public let bus: EventBus
    /// Storage: events and subscription state.
    public let storage: any DurableStore
    /// A logger with `billing.plugin` set to the plugin's name.
    public let logger: Logger
    /// Where the plugin's own metrics go.
    public let metrics: any MetricsFactory
    /// The clock to use instead of `Date()` and `Task.sleep`, so tests can drive it.
    public let clock: any BillingClock

    /// Creates a configuration (the `PluginManager` does this; tests and harnesses may too).
    public init(
        pluginName: String, settings: PluginSettings, bus: EventBus, storage: any DurableStore,
        logger: Logger, metrics: any MetricsFactory, clock: any BillingClock
    ) {
        self.pluginName = pluginName
        self.settings = settings
        self.bus = bus
        self.storage = storage
        var logger = logger
        logger[metadataKey: LogKeys.plugin] = "\(pluginName)"
        self.logger = logger
        self.metrics = metrics
        self.clock = clock
    }
}
