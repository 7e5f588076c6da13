import BilingusTestSupport
import BillingCore
@testable import BillingPlugins
import BillingTesting
import Foundation

/// One test's email plugin on a harness (in-memory store, test clock), sending through
/// the SMTP test server (STARTTLS and AUTH required) with its certificate trusted.
final class EmailWorld: Sendable {
    let server: SMTPTestServer
    let harness: PluginHarness<EmailNotificationPlugin>

    init(
        settings extra: PluginSettings = [:], tenants: [String: PluginSettings] = [:], recipients: (any EmailRecipientLookup)? = nil
    ) async throws {
        let server = try SMTPTestServer.start()
        self.server = server
        harness = PluginHarness(
            plugin: EmailNotificationPlugin(recipients: recipients), settings: Self.settings(server).merging(extra), tenantSettings: tenants)
        try await harness.initialize()
    }

    deinit {
        let harness = harness
        Task { try? await harness.shutdown() }
    }

    /// Settings that send through the STARTTLS port of `server`.
    static func settings(_ server: SMTPTestServer) -> PluginSettings {
        [
            "smtpHost": .init(.string(server.host)), "smtpPort": .init(.int(Int64(server.port))), "security": "starttls",
            "user": .init(.string(server.user)), "password": .secret(server.password),
            "trustedCertificatesFile": .init(.string(server.caCertificatePath)),
            "from": "billing@bilingus.test", "fromName": "Bilingus Billing", "replyTo": "support@bilingus.test",
        ]
    }

    var plugin: EmailNotificationPlugin { harness.plugin }

    /// A fresh address at the test server; `tag` is its local part's start (`tempfail2-`, `reject-`).
    static func address(_ tag: String = "user-") -> String {
        "\(tag)\(UUID().uuidString.prefix(8).lowercased())@example.com"
    }

    /// An `invoice.generated` for a user at `email`.
    func invoiceGenerated(
        email: String, name: String? = "Ada Lovelace", locale: String? = "en", tenantId: String? = nil, number: String = "2026-1001"
    ) throws -> BillingEvent {
        let user = UserSnapshot(id: "user-\(UUID().uuidString.prefix(6))", email: email, name: name, locale: locale)
        let eur = CurrencyCode.eur
        let invoice = InvoiceSnapshot(
            id: "inv-\(UUID().uuidString.prefix(6))", userId: user.id, number: number, status: "open",
            lineItems: [
                InvoiceLineItem(
                    description: "Pro plan", quantity: 1, unitPrice: Money(minorUnits: 4900, currency: eur), amount: Money(minorUnits: 4900, currency: eur),
                    taxAmount: Money(minorUnits: 931, currency: eur))
            ],
            subtotal: Money(minorUnits: 4900, currency: eur), tax: Money(minorUnits: 931, currency: eur), total: Money(minorUnits: 5831, currency: eur),
            issuedAt: harness.clock.wallClock.now(), dueAt: harness.clock.wallClock.now().addingTimeInterval(14 * 86_400)
        )
        return try BillingEvent(InvoiceGenerated(invoice: invoice, user: user), timestamp: harness.clock.wallClock.now(), tenantId: tenantId)
    }

    /// The events of `type` the plugin published.
    func published(_ type: BillingEventType) async throws -> [BillingEvent] {
        try await harness.store.events(ofType: type, tenant: .any)
    }

    /// The one status recorded for `recipient` of `event`.
    func status(of event: BillingEvent, to recipient: String) async throws -> EmailNotificationStatus? {
        let id = EmailNotificationRecord.notificationId(eventId: event.id, template: event.type.rawValue, recipient: recipient)
        return try await plugin.notificationStatus(id)
    }
}
