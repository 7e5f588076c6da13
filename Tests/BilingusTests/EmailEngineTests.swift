import Bilingus
import BillingTesting
import Foundation
import Testing

/// The email plugin inside a real engine on a SQLite file: it receives events through its
/// durable subscription, and a restart on the same file mails nothing again.
@Suite("BillingEngine with the email plugin")
struct EmailEngineTests {
    @Test("invoice.generated is mailed once through the durable subscription, and not again after a restart")
    func mailedOnceAcrossRestarts() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bilingus-email-engine-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let database = folder.appendingPathComponent("billing.sqlite").path
        let outbox = folder.appendingPathComponent("mail").path
        let user = UserSnapshot(id: "u-1", email: "ada@example.com", name: "Ada", locale: "en")
        let invoice = InvoiceSnapshot(
            id: "inv-1", userId: "u-1", number: "2026-0001", status: "open",
            subtotal: Money(minorUnits: 1000, currency: .eur), tax: Money(minorUnits: 190, currency: .eur), total: Money(minorUnits: 1190, currency: .eur))

        func run(_ body: @escaping @Sendable (BillingEngine) async throws -> Void) async throws {
            try await BillingEngine.withEngine(
                storage: .sqlite(path: database),
                plugins: [.init(installAtStart: ["outboxDirectory": .init(.string(outbox)), "from": "billing@example.com"]) { EmailNotificationPlugin() }],
                logger: quietLogger, body
            )
        }
        try await run { engine in
            let recorder = EventRecorder(bus: engine.events)
            _ = try await engine.events.publish(InvoiceGenerated(invoice: invoice, user: user), tenantId: "acme", idempotencyKey: "inv-1")
            let sent = try await recorder.expect(NotificationSent.eventType, within: .seconds(20))
            #expect(sent.payload["template"]?.stringValue == "invoice.generated")
            #expect(sent.tenantId == "acme")
        }
        try await run { engine in
            // The same event published again is a duplicate; the subscription has nothing new.
            let again = try await engine.events.publish(InvoiceGenerated(invoice: invoice, user: user), tenantId: "acme", idempotencyKey: "inv-1")
            #expect(again.isDuplicate)
            let recorder = EventRecorder(bus: engine.events)
            try await recorder.expectNone(NotificationSent.eventType, within: .milliseconds(500))
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: outbox).filter { $0.hasSuffix(".eml") }
        #expect(files.count == 1)
    }
}
