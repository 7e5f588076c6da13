import AsyncHTTPClient
public import BillingCore
import Logging
import NIOCore

/// Payments through Stripe: PaymentIntents (charge, 3-D Secure, manual capture, cancel),
/// refunds, status, and inbound Stripe webhooks. See `Documentation/StripePlugin.md`.
///
/// ```swift
/// let engine = try BillingEngine(storage: .sqlite(path: "billing.sqlite"), plugins: [
///     .init(installAtStart: ["apiKey": .secret("sk_live_..."), "webhookSecret": .secret("whsec_...")]) { StripePaymentPlugin() },
/// ])
/// // A tenant with its own Stripe account:
/// try await engine.plugins.setSettings(["apiKey": .secret("sk_live_acme...")], forTenant: "acme", of: StripePaymentPlugin.name)
/// ```
///
/// On each `payment.initiated` (its durable subscription) it records the attempt, creates
/// and confirms a PaymentIntent under an idempotency key derived from the event, and
/// publishes `payment.completed`, `payment.failed`, `payment.requires_action` or
/// `payment.authorized`, caused by the initiating event. A redelivered event never charges
/// twice, even when Stripe's answer was lost after the charge was made: the same key
/// reaches Stripe, which replays its first answer.
public final class StripePaymentPlugin: PaymentPlugin {
    /// The plugin's name.
    public static let name = "stripe-payment"
    static let pluginVersion = "1.0.0"
    /// The plugin's version.
    public let version = pluginVersion
    /// What it does, for listings.
    public let description = "Payments through Stripe PaymentIntents, refunds and inbound webhooks"
    /// Who wrote it.
    public let author = "Bilingus"

    /// What `initialize` set up; `nil` before it and after `shutdown`.
    struct Runtime: Sendable {
        let config: PluginConfig
        let client: StripeClient
        let http: HTTPClient
    }

    private let runtime = Locked<Runtime?>(nil)

    /// Creates the plugin; its settings come at `initialize`.
    public init() {}

    /// Checks the default settings and opens the HTTP client.
    ///
    /// The default settings may leave `apiKey` out when every tenant brings its own;
    /// whatever they hold is checked now, so a wrong URL or timeout fails the load.
    public func initialize(_ config: PluginConfig) async throws {
        let settings = config.settings
        let defaults = try StripeSettings(settings, apiKey: settings["apiKey"] == nil ? Secret("") : try StripeSettings.apiKey(in: settings))
        let http = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: HTTPClient.Configuration(
                timeout: .init(connect: .seconds(defaults.connectTimeout.components.seconds), read: .seconds(defaults.readTimeout.components.seconds))
            )
        )
        let client = StripeClient(http: http, clock: config.clock, logger: config.logger, metrics: config.metrics, health: StripeHealth())
        let previous = runtime.withLock { runtime -> Runtime? in
            defer { runtime = Runtime(config: config, client: client, http: http) }
            return runtime
        }
        try await previous?.http.shutdown()
    }

    /// Handles `payment.initiated`; other events are acknowledged untouched.
    public func execute(_ context: BillingContext) async throws -> PluginResult {
        guard context.event.type == .paymentInitiated else { return .success() }
        return try await handleInitiated(context, runtime: try current())
    }

    /// Closes the HTTP client.
    public func shutdown() async throws {
        let previous = runtime.withLock { runtime -> Runtime? in
            defer { runtime = nil }
            return runtime
        }
        try await previous?.http.shutdown()
    }

    /// Unhealthy before `initialize`, after `shutdown`, and while Stripe keeps failing
    /// (3 requests in a row without an answer, or answered 5xx or 429).
    public func healthCheck() async -> PluginHealth {
        guard let runtime = runtime.withLock({ $0 }) else { return .unhealthy("not initialized") }
        return runtime.client.health.health
    }

    func current() throws -> Runtime {
        guard let runtime = runtime.withLock({ $0 }) else {
            throw BillingError(.shutDown, "The Stripe plugin is not initialized")
        }
        return runtime
    }

    /// The settings of `tenantId`: its own values over the defaults.
    func settings(_ runtime: Runtime, tenantId: String?) throws -> StripeSettings {
        try StripeSettings(runtime.config.settings(forTenant: tenantId))
    }
}
