import BilingusTestSupport
import BillingCore
@testable import BillingPlugins
import BillingTesting
import Foundation
import Testing

/// Once per message, across redeliveries and crashes, with the outbox folder as the
/// destination (each message is one file named after it, so a second send would show).
@Suite("Email plugin: each message once")
struct EmailOnceTests {
    private static func harness(_ directory: String, extra: PluginSettings = [:]) async throws -> PluginHarness<EmailNotificationPlugin> {
        let settings: PluginSettings = ["outboxDirectory": .init(.string(directory)), "from": "billing@bilingus.test"]
        let harness = PluginHarness(plugin: EmailNotificationPlugin(), settings: settings.merging(extra))
        try await harness.initialize()
        return harness
    }

    private static func event(_ harness: PluginHarness<EmailNotificationPlugin>, email: String = "ada@example.com") throws -> BillingEvent {
        try BillingEvent(UserCreated(user: UserSnapshot(id: "user-1", email: email, name: "Ada", locale: "en")), timestamp: harness.clock.wallClock.now())
    }

    private static func files(_ directory: String) throws -> [String] {
        guard FileManager.default.fileExists(atPath: directory) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".eml") }.sorted()
    }

    @Test("Without a mail server the message is written to the outbox folder, once")
    func outboxWritesOnce() async throws {
        let directory = TemporaryFiles.newPath("outbox", suffix: "")
        let harness = try await Self.harness(directory)
        let event = try Self.event(harness)
        #expect(try await harness.deliver(event).success)
        _ = try await harness.redeliver(event)
        let files = try Self.files(directory)
        #expect(files.count == 1)
        let text = try String(contentsOfFile: (directory as NSString).appendingPathComponent(files[0]), encoding: .utf8)
        #expect(text.contains("To: Ada <ada@example.com>\r\n"))
        #expect(text.contains("Content-Type: multipart/alternative;"))
        let status = try #require(try await harness.plugin.notifications(forEvent: event.id).first)
        #expect(status.status == .sent && status.smtpCode == nil && status.attempts == 1)
        #expect(try harness.metrics.expectCounter("billing.email.messages", [("outcome", "sent")]).totalValue == 1)
        #expect(try harness.metrics.expectTimer("billing.email.send.duration", [("destination", "outbox")]).values.count == 1)
    }

    /// A stored `user.created` for ada@example.com whose message a crashed process left recorded as `status`.
    private static func leftBehind(_ status: NotificationStatus, _ harness: PluginHarness<EmailNotificationPlugin>) async throws -> (BillingEvent, String) {
        let event = try Self.event(harness)
        _ = try await harness.store.append([event])
        let id = EmailNotificationRecord.notificationId(eventId: event.id, template: "user.created", recipient: "ada@example.com")
        let now = harness.clock.wallClock.now()
        let record = EmailNotificationRecord(
            notificationId: id, sourceEventId: event.id, template: "user.created", recipient: "ada@example.com", status: status, attempts: 1,
            messageId: EmailNotificationRecord.messageId(notificationId: id, domain: "bilingus.test"), createdAt: now, updatedAt: now
        )
        try await harness.state.put(EmailNotificationRecord.key(notificationId: id), encoding: record, if: .absent)
        return (event, id)
    }

    @Test("Recorded as queued, then the process died before sending: the redelivery sends it, once")
    func crashBeforeSending() async throws {
        let directory = TemporaryFiles.newPath("outbox", suffix: "")
        let harness = try await Self.harness(directory)
        let (event, id) = try await Self.leftBehind(.queued, harness)

        #expect(try await harness.redeliver(event).success)
        #expect(try Self.files(directory).count == 1)
        let status = try #require(try await harness.plugin.notificationStatus(id))
        #expect(status.status == .sent && status.attempts == 2)
        #expect(try await harness.store.events(ofType: NotificationSent.eventType, tenant: .any).count == 1)
    }

    @Test("Marked sent, then the process died before announcing: the redelivery announces it and sends nothing")
    func crashAfterSending() async throws {
        let directory = TemporaryFiles.newPath("outbox", suffix: "")
        let harness = try await Self.harness(directory)
        let (event, _) = try await Self.leftBehind(.sent, harness)

        #expect(try await harness.redeliver(event).success)
        #expect(try Self.files(directory).isEmpty, "the server had it already: nothing is sent again")
        #expect(try await harness.store.events(ofType: NotificationSent.eventType, tenant: .any).count == 1)
    }

    @Test("A direct send is once per id; its status is queryable; an unknown id is not_found")
    func directSend() async throws {
        let directory = TemporaryFiles.newPath("outbox", suffix: "")
        let harness = try await Self.harness(directory)
        let request = NotificationRequest(
            id: "welcome-42", channel: "email", recipient: "bob@example.com", subject: "Welcome aboard", template: "user.created", locale: "ru",
            data: ["user": ["id": "42", "name": "Боб"]])
        let receipt = try await harness.plugin.sendNotification(request)
        let again = try await harness.plugin.sendNotification(request)
        #expect(receipt.status == .sent && again.status == .sent)
        #expect(try Self.files(directory).count == 1)
        #expect(try await harness.plugin.getNotificationStatus("welcome-42") == .sent)
        let error = await #expect(throws: BillingError.self) { try await harness.plugin.getNotificationStatus("never-sent") }
        #expect(error?.code == .notFound)
        let sms = await #expect(throws: BillingError.self) {
            try await harness.plugin.sendNotification(NotificationRequest(id: "x", channel: "sms", recipient: "+100", template: "user.created"))
        }
        #expect(sms?.code == .unsupported)
    }

    @Test("A template no locale has is a clear failure, recorded and announced, never a crash")
    func missingTemplate() async throws {
        let directory = TemporaryFiles.newPath("outbox", suffix: "")
        let harness = try await Self.harness(directory)
        let request = NotificationRequest(id: "n-1", channel: "email", recipient: "bob@example.com", template: "no.such_template")
        let receipt = try await harness.plugin.sendNotification(request)
        #expect(receipt.status == .failed)
        let status = try #require(try await harness.plugin.notificationStatus("n-1"))
        #expect(status.errorCode == "email.template_missing")
        #expect(try await harness.store.events(ofType: NotificationFailed.eventType, tenant: .any).count == 1)
    }
}
