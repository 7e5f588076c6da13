import BillingCore
import BillingTesting
import Foundation
import Testing

// MARK: - Sample: an outbox NotificationPlugin (Documentation/PluginGuide.md, "NotificationPlugin")

/// A notification waiting in the outbox for a sender to pick it up.
struct OutboxEntry: Sendable, Hashable {
    var request: NotificationRequest
    var queuedAt: Date
}

actor OutboxNotificationPlugin: NotificationPlugin {
    static let name = "outbox"
    nonisolated let version = "1.0.0"
    nonisolated let description = "Queues invoice emails in an outbox"
    nonisolated let author = "Acme Corp"
    nonisolated var eventPatterns: [EventPattern] { ["invoice.generated", "invoice.overdue"] }

    private var wallClock: WallClock?
    private var locale = "en"
    private(set) var outbox: [OutboxEntry] = []

    func initialize(_ config: PluginConfig) async throws {
        locale = try config.settings.string("locale", default: "en")
        wallClock = config.wallClock  // not Date(): tests drive time with a TestClock
    }

    func execute(_ context: BillingContext) async throws -> PluginResult {
        let event = context.event
        let invoice: InvoiceSnapshot
        let recipient: String
        switch event.type {
        case .invoiceGenerated:
            let generated = try event.decodePayload(as: InvoiceGenerated.self)
            (invoice, recipient) = (generated.invoice, generated.user?.email ?? generated.invoice.userId)
        case .invoiceOverdue:
            invoice = try event.decodePayload(as: InvoiceOverdue.self).invoice
            recipient = invoice.userId
        default:
            return .success()
        }
        let receipt = try await sendNotification(
            NotificationRequest(
                id: "outbox:\(event.id)",  // the same event always makes the same notification
                channel: "email", recipient: recipient, template: event.type.rawValue, locale: locale,
                data: ["invoiceId": .string(invoice.id), "total": .string(invoice.total.description)]
            )
        )
        return .success(["notificationId": .string(receipt.notificationId)])
    }

    func sendNotification(_ notification: NotificationRequest) async throws -> NotificationReceipt {
        guard let wallClock else { throw BillingError(.unsupported, "outbox is not initialized") }
        // Idempotent on the id: a redelivered event does not queue a second email.
        if !outbox.contains(where: { $0.request.id == notification.id }) {
            outbox.append(OutboxEntry(request: notification, queuedAt: wallClock.now()))
        }
        return NotificationReceipt(notificationId: notification.id, status: .queued)
    }

    func getNotificationStatus(_ notificationId: String) async throws -> NotificationStatus {
        outbox.contains { $0.request.id == notificationId } ? .queued : .unknown
    }

    func shutdown() async throws {
        wallClock = nil
    }
}

// MARK: - Tests

@Suite("Guide: NotificationPlugin sample")
struct GuideNotificationPluginTests {
    let invoice = InvoiceSnapshot(
        id: "inv-1", userId: "u-1", status: "open",
        subtotal: Money(minorUnits: 10_000, currency: .eur), tax: Money(minorUnits: 1_900, currency: .eur), total: Money(minorUnits: 11_900, currency: .eur)
    )

    @Test("One email per event, even when the event is delivered twice; the clock is the injected one")
    func idempotentOutbox() async throws {
        let harness = PluginHarness(plugin: OutboxNotificationPlugin(), settings: ["locale": "de"])
        try await harness.initialize()
        harness.clock.advance(by: .seconds(90))

        let user = UserSnapshot(id: "u-1", email: "ada@example.com")
        try await harness.deliver(InvoiceGenerated(invoice: invoice, user: user))
        let generated = try #require(harness.recorder.events(of: .invoiceGenerated).first)
        try await harness.redeliver(generated)

        let outbox = await harness.plugin.outbox
        #expect(outbox.count == 1)
        #expect(outbox.first?.request.id == "outbox:\(generated.id)")
        #expect(outbox.first?.request.recipient == "ada@example.com")
        #expect(outbox.first?.request.locale == "de")
        #expect(outbox.first?.queuedAt == harness.clock.wallClock.now())
        #expect(try await harness.plugin.getNotificationStatus("outbox:\(generated.id)") == .queued)
    }

    @Test("Events it did not ask for are ignored")
    func ignoresOthers() async throws {
        let harness = PluginHarness(plugin: OutboxNotificationPlugin())
        try await harness.initialize()
        try await harness.deliver(InvoicePaid(invoice: invoice))
        try await harness.deliver(InvoiceOverdue(invoice: invoice, daysOverdue: 7))
        #expect(await harness.plugin.outbox.map(\.request.template) == ["invoice.overdue"])
    }
}
