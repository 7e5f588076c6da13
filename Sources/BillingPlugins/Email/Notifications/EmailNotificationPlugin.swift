public import BillingCore
import Foundation
import Logging

/// Email notifications: billing events mailed through SMTP (or written to a folder of
/// `.eml` files), from templates per event type and locale. See `Documentation/EmailPlugin.md`.
///
/// ```swift
/// let engine = try BillingEngine(storage: .sqlite(path: "billing.sqlite"), plugins: [
///     .init(installAtStart: [
///         "smtpHost": "smtp.example.com", "user": "billing", "password": .secret("..."),
///         "from": "billing@example.com", "fromName": "Example Billing",
///     ]) { EmailNotificationPlugin(recipients: MyUsers(database)) },
/// ])
/// ```
///
/// It receives the mailed event types through its durable subscription. Each message is
/// recorded under (event id, template, recipient) before it is handed to the server and
/// marked `sent`, `failed` or `retrying` after, so a redelivered event, or a restart after a
/// crash, never sends a message the server accepted. The one window left: the server
/// accepted it and the process died before recording that; the message is then sent
/// again, with the same `Message-ID`. Every settled message is announced as
/// `notification.sent` or `notification.failed`.
public final class EmailNotificationPlugin: NotificationPlugin {
    /// The plugin's name.
    public static let name = "email"
    /// The event types mailed unless the settings' `events` says otherwise.
    public static let defaultEvents: [BillingEventType] = [
        .invoiceGenerated, .invoicePaid, .invoiceOverdue, .paymentCompleted, .paymentFailed, .paymentRefunded, .userCreated,
    ]
    /// The plugin's version.
    public let version = "1.0.0"
    /// What it does, for listings.
    public let description = "Email notifications over SMTP, from templates per event and locale"
    /// Who wrote it.
    public let author = "Bilingus"
    /// Every event type it can mail; the settings' `events` choose among them per tenant.
    public let eventPatterns: [EventPattern]

    /// What `initialize` set up; `nil` before it and after `shutdown`.
    struct Runtime: Sendable {
        let config: PluginConfig
        let smtp: SMTPClient
        let health: EmailHealth
    }

    private let runtime = Locked<Runtime?>(nil)
    let recipients: EmailRecipientResolver
    let templates = EmailTemplateCache()

    /// Creates the plugin; its settings come at `initialize`.
    /// - Parameters:
    ///   - recipients: finds a user's address and locale when the event carries none.
    ///   - events: the event types it subscribes to (any the templates cover, the host's own included).
    public init(recipients: (any EmailRecipientLookup)? = nil, events: [BillingEventType] = EmailNotificationPlugin.defaultEvents) {
        self.recipients = EmailRecipientResolver(lookup: recipients)
        self.eventPatterns = events.map { EventPattern.exact($0) }
    }

    /// Checks the default settings, so a wrong address, port or security mode fails the load.
    /// Defaults may leave the destination out when every tenant brings its own.
    public func initialize(_ config: PluginConfig) async throws {
        if config.settings["smtpHost"] != nil || config.settings["outboxDirectory"] != nil || config.settings["from"] != nil {
            _ = try EmailSettings(config.settings)
        }
        let smtp = SMTPClient(logger: config.logger)
        let previous = runtime.withLock { runtime -> Runtime? in
            defer { runtime = Runtime(config: config, smtp: smtp, health: EmailHealth()) }
            return runtime
        }
        await previous?.smtp.shutdown()
    }

    /// Mails the event if the tenant's settings choose its type; other events are acknowledged untouched.
    public func execute(_ context: BillingContext) async throws -> PluginResult {
        let runtime = try current()
        let settings = try EmailSettings(runtime.config.settings(forTenant: context.tenantId))
        guard settings.events.contains(context.eventType) else { return .success() }
        return try await mail(context, settings: settings, runtime: runtime)
    }

    /// Closes the SMTP connections.
    public func shutdown() async throws {
        let previous = runtime.withLock { runtime -> Runtime? in
            defer { runtime = nil }
            return runtime
        }
        await previous?.smtp.shutdown()
    }

    /// Unhealthy before `initialize`, after `shutdown`, and while the server keeps failing
    /// (3 sends in a row without a connection, TLS or login), naming the last error.
    public func healthCheck() async -> PluginHealth {
        guard let runtime = runtime.withLock({ $0 }) else { return .unhealthy("not initialized") }
        return runtime.health.health
    }

    func current() throws -> Runtime {
        guard let runtime = runtime.withLock({ $0 }) else {
            throw BillingError(.shutDown, "The email plugin is not initialized")
        }
        return runtime
    }
}
