/// A plugin: the seed's `BillingPlugin`, plus the events it receives and a health check.
///
/// Plugins extend a billing service the way swift-log backends extend logging: the
/// host registers a factory, and the `PluginManager` creates, initializes, isolates
/// and feeds the plugin. A plugin receives events through its own durable
/// subscription, so delivery is at least once: deduplicate on the event id.
///
/// ```swift
/// final class LoyaltyPoints: BillingPlugin {
///     let name = "loyalty-points"
///     let version = "1.0.0"
///     let description = "Awards points for paid invoices"
///     let author = "Example Corp"
///     var eventPatterns: [EventPattern] { ["invoice.paid"] }
///
///     func initialize(_ config: PluginConfig) async throws { ... }
///     func execute(_ context: BillingContext) async throws -> PluginResult { ... }
///     func shutdown() async throws { ... }
/// }
/// ```
public protocol BillingPlugin: Sendable {
    /// A unique, stable name (`stripe-payment`); also the name of its durable subscription.
    var name: String { get }
    /// The plugin's version (`1.2.0`).
    var version: String { get }
    /// What it does, for listings.
    var description: String { get }
    /// Who wrote it.
    var author: String { get }
    /// The events it receives, in addition to the defaults of its capabilities (a
    /// `PaymentPlugin` always receives `payment.initiated`). Default: none.
    var eventPatterns: [EventPattern] { get }

    /// Prepares the plugin: read settings, open connections. A throw fails the load
    /// and leaves everything else running.
    func initialize(_ config: PluginConfig) async throws
    /// Handles one event (or a direct call through `executePlugin`).
    func execute(_ context: BillingContext) async throws -> PluginResult
    /// Releases resources. Called once, after in-flight calls have drained.
    func shutdown() async throws
    /// Whether the plugin can do its work right now (default: healthy).
    func healthCheck() async -> PluginHealth
}

extension BillingPlugin {
    public var eventPatterns: [EventPattern] { [] }

    public func healthCheck() async -> PluginHealth { .healthy }
}

/// The outcome of a plugin call (the seed's `PluginResult`).
public struct PluginResult: Sendable, Hashable {
    /// Whether the plugin did what was asked.
    public var success: Bool
    /// Data for the caller or the next pipeline stage.
    public var data: JSONValue?
    /// Why it failed, for operators (no secrets).
    public var error: String?
    /// Whether a pipeline should go on to the next plugin (default true).
    public var shouldContinue: Bool

    /// Creates a result.
    public init(success: Bool, data: JSONValue? = nil, error: String? = nil, shouldContinue: Bool = true) {
        self.success = success
        self.data = data
        self.error = error
        self.shouldContinue = shouldContinue
    }

    /// Success, optionally with data.
    public static func success(_ data: JSONValue? = nil) -> PluginResult {
        PluginResult(success: true, data: data)
    }

    /// Failure; a pipeline stops here unless `shouldContinue` is set.
    public static func failure(_ error: String, data: JSONValue? = nil, shouldContinue: Bool = false) -> PluginResult {
        PluginResult(success: false, data: data, error: error, shouldContinue: shouldContinue)
    }

    /// Success that stops a pipeline (a fraud check that blocks a payment, say).
    public static func stop(_ reason: String, data: JSONValue? = nil) -> PluginResult {
        PluginResult(success: true, data: data, error: reason, shouldContinue: false)
    }
}

/// A plugin's own view of its health.
public struct PluginHealth: Sendable, Hashable {
    /// Whether it can work.
    public var isHealthy: Bool
    /// Why not, or a note (no secrets).
    public var detail: String?

    /// Creates a health value.
    public init(isHealthy: Bool, detail: String? = nil) {
        self.isHealthy = isHealthy
        self.detail = detail
    }

    /// Healthy.
    public static let healthy = PluginHealth(isHealthy: true)

    /// Unhealthy, with a reason.
    public static func unhealthy(_ detail: String) -> PluginHealth {
        PluginHealth(isHealthy: false, detail: detail)
    }
}
