/// A plugin: the specification's `BillingPlugin`, plus the events it receives and a health check.
///
/// Plugins extend a billing service the way swift-log backends extend logging: the
/// protocols live here, implementations live in any package, and the host registers a
/// factory. The `PluginManager` creates, initializes, isolates and feeds the plugin;
/// the plugin sees only its ``PluginConfig`` (a publisher, a reader, its own state,
/// settings, a logger, metrics and clocks), never the bus or the stores.
///
/// A plugin receives events through its own durable subscription, so delivery is at
/// least once: deduplicate side effects (with ``PluginState/claim(_:_:expiresIn:)``).
///
/// ```swift
/// final class LoyaltyPoints: BillingPlugin {
///     static let name = "loyalty-points"
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
///
/// A plugin cannot take the host down by throwing, hanging or failing, but it runs in
/// the host's process: a `fatalError`, a trap (an out-of-range index, a forced unwrap of
/// `nil`) or a crash in C code ends the process, and Bilingus cannot prevent that. After
/// a restart the event is delivered again; an event that keeps taking the process down
/// is dead-lettered after the subscription's last attempt.
public protocol BillingPlugin: Sendable {
    /// The plugin's unique, stable name (`stripe-payment`), declared once on its type:
    /// the registration, the durable subscription `plugin.<name>`, the persisted record
    /// and the state namespace all use it. Lowercase letters, digits, `-`, `_` and `.`,
    /// 1 to 64 characters.
    static var name: String { get }
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
    /// Handles one event (``BillingContext/delivery`` is set) or a direct call.
    func execute(_ context: BillingContext) async throws -> PluginResult
    /// Releases resources. Called once, after calls in flight have drained.
    func shutdown() async throws
    /// Whether the plugin can do its work right now (default: healthy).
    func healthCheck() async -> PluginHealth
}

extension BillingPlugin {
    /// The name declared on the plugin's type.
    public var name: String { Self.name }

    public var eventPatterns: [EventPattern] { [] }

    public func healthCheck() async -> PluginHealth { .healthy }
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
