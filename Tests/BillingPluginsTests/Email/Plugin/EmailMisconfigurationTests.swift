import BilingusTestSupport
import BillingCore
@testable import BillingPlugins
import BillingTesting
import Foundation
import Testing

/// What an operator sees when SMTP is misconfigured or down: a clear record and
/// event, retries for what may get better, never the password.
@Suite("Email plugin: misconfiguration and outages")
struct EmailMisconfigurationTests {
    @Test("A wrong password: 535 recorded as an authentication error without the password; retried, then failed")
    func wrongPassword() async throws {
        let canary = "wrong-pass-\(UUID().uuidString)"
        let world = try await EmailWorld(settings: ["password": .secret(canary), "maxSendAttempts": 2])
        let email = EmailWorld.address()
        let event = try world.invoiceGenerated(email: email)
        let first = try await world.harness.deliver(event)
        #expect(!first.success, "a login failure is retried: the operator may fix the settings")
        let retrying = try #require(try await world.status(of: event, to: email))
        #expect(retrying.status == .retrying && retrying.smtpCode == 535 && retrying.errorCode == "email.authentication")
        #expect(retrying.error?.contains("user and password") == true)

        let last = try await world.harness.redeliver(event, attempt: 2)
        #expect(last.success, "the last attempt settles it as failed")
        let failed = try #require(try await world.status(of: event, to: email))
        #expect(failed.status == .failed && failed.attempts == 2)
        let events = try await world.published(NotificationFailed.eventType)
        #expect(events.count == 1)
        for text in [retrying.error ?? "", failed.error ?? "", first.error ?? "", CanonicalJSON.string(events.first?.payload ?? .null)] {
            #expect(!text.contains(canary), "the password leaked: \(text)")
        }
        #expect(try world.server.messages(to: email).isEmpty)
    }

    @Test("A server that is down: a connection error naming host and port, the plugin unhealthy after three")
    func serverDown() async throws {
        let port = try await SMTPClientTestSupport.closedPort()
        let world = try await EmailWorld(settings: ["smtpPort": .init(.int(Int64(port)))])
        for _ in 0..<3 {
            let event = try world.invoiceGenerated(email: EmailWorld.address())
            let result = try await world.harness.deliver(event)
            #expect(!result.success)
            let status = try await world.plugin.notifications(forEvent: event.id).first
            #expect(status?.status == .retrying && status?.errorCode == "email.connection")
            #expect(status?.error?.contains("\(port)") == true, "names the port: \(status?.error ?? "")")
        }
        let health = await world.plugin.healthCheck()
        #expect(!health.isHealthy)
        #expect(health.detail?.contains("email.connection") == true)
    }

    @Test("No address: recorded as failed (email.no_recipient) once, and announced")
    func noRecipient() async throws {
        let world = try await EmailWorld()
        let payment = PaymentSnapshot(id: "pay-1", userId: "user-unknown", amount: Money(minorUnits: 1000, currency: .eur), status: "completed")
        let event = try BillingEvent(PaymentCompleted(payment: payment), timestamp: world.harness.clock.wallClock.now())
        #expect(try await world.harness.deliver(event).success)
        _ = try await world.harness.redeliver(event)
        let failed = try await world.published(NotificationFailed.eventType)
        #expect(failed.count == 1)
        #expect(failed.first?.payload["code"]?.stringValue == "email.no_recipient")
    }

    @Test("Settings are checked at load, naming the setting, never the password")
    func settingsAreChecked() async throws {
        let cases: [(PluginSettings, String)] = [
            (["smtpHost": "smtp.example.com"], "from"),
            (["from": "billing@example.com"], "smtpHost"),
            (["smtpHost": "smtp.example.com", "from": "not an address"], "from"),
            (["smtpHost": "smtp.example.com", "from": "a@example.com", "security": "none"], "security"),
            (["smtpHost": "smtp.example.com", "from": "a@example.com", "security": "ssl"], "security"),
            (["smtpHost": "smtp.example.com", "from": "a@example.com", "user": "u", "password": "plain-text-password"], "password"),
            (["smtpHost": "smtp.example.com", "from": "a@example.com", "smtpPort": 70_000], "smtpPort"),
            (["smtpHost": "smtp.example.com", "from": "a@example.com", "events": ["not an event"]], "events"),
        ]
        for (settings, field) in cases {
            let harness = PluginHarness(plugin: EmailNotificationPlugin(), settings: settings)
            let error = await #expect(throws: BillingError.self) { try await harness.initialize() }
            #expect(error?.field == field, "\(settings) → \(String(describing: error))")
            #expect(error.map { !"\($0)".contains("plain-text-password") } ?? true)
        }
    }

    @Test("Only the events the tenant's settings choose are mailed")
    func eventSelectionPerTenant() async throws {
        let world = try await EmailWorld(tenants: ["quiet": ["events": ["invoice.paid"]]])
        let email = EmailWorld.address()
        let event = try world.invoiceGenerated(email: email, tenantId: "quiet")
        #expect(try await world.harness.deliver(event).success)
        #expect(try await world.plugin.notifications(forEvent: event.id).isEmpty)
        #expect(try world.server.messages(to: email).isEmpty)
    }

    @Test("The host's lookup supplies the address and locale an event lacks")
    func recipientLookup() async throws {
        let email = EmailWorld.address()
        let world = try await EmailWorld(recipients: FixedRecipients(users: ["user-7": UserSnapshot(id: "user-7", email: email, name: "Борис", locale: "ru")]))
        let payment = PaymentSnapshot(id: "pay-7", userId: "user-7", amount: Money(minorUnits: 123_456, currency: .rub), status: "completed")
        let event = try BillingEvent(PaymentCompleted(payment: payment), timestamp: world.harness.clock.wallClock.now())
        #expect(try await world.harness.deliver(event).success)
        let messages = try world.server.messages(to: email)
        #expect(messages.count == 1)
        let parsed = try world.server.parsed(try #require(messages.first))
        let text = parsed["parts"]?.arrayValue?.first?["text"]?.stringValue ?? ""
        #expect(text.contains("1\u{00A0}234,56"), "rubles formatted for ru: \(text)")
    }
}

/// A recipient lookup over a fixed table.
struct FixedRecipients: EmailRecipientLookup {
    let users: [String: UserSnapshot]
    func recipient(userId: String, tenantId: String?) async throws -> UserSnapshot? { users[userId] }
}
