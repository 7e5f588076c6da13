import BilingusTestSupport
import BillingCore
@testable import BillingPlugins
import BillingTesting
import Foundation
import Testing

/// The email plugin against the real SMTP test server (aiosmtpd: STARTTLS and AUTH
/// required), each received message read back with Python's `email` package.
@Suite("Email plugin: delivery through a real SMTP server")
struct EmailDeliveryTests {
    @Test("A Russian invoice arrives once: headers, both parts, encodings, subject and name round-trip")
    func russianInvoiceArrives() async throws {
        let world = try await EmailWorld()
        let email = EmailWorld.address()
        let event = try world.invoiceGenerated(email: email, name: "Ада Лавлейс", locale: "ru_RU", number: "2026-0042")
        let result = try await world.harness.deliver(event)
        #expect(result.success)

        let messages = try world.server.messages(to: email)
        #expect(messages.count == 1)
        let message = try #require(messages.first)
        #expect(message.mailFrom == "billing@bilingus.test")
        let parsed = try world.server.parsed(message)
        let headers = try #require(parsed["headers"])
        let subject = headers["subject"]?.arrayValue?.first?.stringValue ?? ""
        #expect(subject.contains("2026-0042"))
        #expect(subject.range(of: "[А-Яа-яЁё]", options: .regularExpression) != nil, "the subject is Russian: \(subject)")
        let rawSubject = parsed["raw_headers"]?["subject"]?.arrayValue?.first?.stringValue ?? ""
        #expect(rawSubject.lowercased().contains("=?utf-8?"), "RFC 2047 on the wire: \(rawSubject)")
        let asciiOnly = rawSubject.unicodeScalars.allSatisfy { $0.isASCII }
        #expect(asciiOnly, "RFC 2047 on the wire: \(rawSubject)")
        #expect(headers["to"]?.arrayValue?.first?.stringValue == "Ада Лавлейс <\(email)>")
        #expect(headers["from"]?.arrayValue?.first?.stringValue == "Bilingus Billing <billing@bilingus.test>")
        #expect(headers["reply-to"]?.arrayValue?.first?.stringValue == "support@bilingus.test")
        #expect(headers["date"]?.arrayValue?.first != nil)
        let messageId = try #require(headers["message-id"]?.arrayValue?.first?.stringValue)
        #expect(messageId.hasSuffix("@bilingus.test>"))
        #expect(parsed["content_type"]?.stringValue == "multipart/alternative")

        let parts = try #require(parsed["parts"]?.arrayValue)
        #expect(parts.map { $0["content_type"]?.stringValue } == ["text/plain", "text/html"])
        for part in parts {
            #expect(part["charset"]?.stringValue == "utf-8")
            #expect(["quoted-printable", "base64"].contains(part["transfer_encoding"]?.stringValue ?? ""))
            #expect(part["defects"]?.arrayValue?.isEmpty == true)
            #expect(part["text"]?.stringValue?.contains("2026-0042") == true)
            #expect(part["text"]?.stringValue?.contains("Ада") == true)
        }

        let status = try #require(try await world.status(of: event, to: email))
        #expect(status.status == .sent && status.smtpCode == 250 && status.attempts == 1 && status.locale == "ru")
        #expect("<\(status.messageId)>" == messageId)
        let sent = try await world.published(NotificationSent.eventType)
        #expect(sent.count == 1)
        #expect(sent.first?.causationId == event.id)
        #expect(sent.first?.payload["recipient"]?.stringValue == email)
    }

    @Test("Redelivering the same event sends nothing again: one message in the inbox, one notification.sent")
    func redeliveryIsOneMessage() async throws {
        let world = try await EmailWorld()
        let email = EmailWorld.address()
        let event = try world.invoiceGenerated(email: email)
        _ = try await world.harness.deliver(event)
        let again = try await world.harness.redeliver(event, attempt: 2)
        _ = try await world.harness.redeliver(event, attempt: 3)
        #expect(again.success)
        #expect(try world.server.messages(to: email).count == 1)
        #expect(try await world.published(NotificationSent.eventType).count == 1)
    }

    @Test("451 for the first two messages: retried with the event, then sent once")
    func transientThenSent() async throws {
        let world = try await EmailWorld()
        let email = EmailWorld.address("tempfail2-")
        let event = try world.invoiceGenerated(email: email)
        let first = try await world.harness.deliver(event)
        #expect(!first.success, "a 451 asks the subscription to deliver again")
        let retrying = try #require(try await world.status(of: event, to: email))
        #expect(retrying.status == .retrying && retrying.smtpCode == 451 && retrying.errorCode == "email.transient")
        let second = try await world.harness.redeliver(event, attempt: 2)
        #expect(!second.success)
        let third = try await world.harness.redeliver(event, attempt: 3)
        #expect(third.success)
        _ = try await world.harness.redeliver(event, attempt: 4)

        #expect(try world.server.messages(to: email).count == 1)
        let sent = try #require(try await world.status(of: event, to: email))
        #expect(sent.status == .sent && sent.attempts == 3 && sent.smtpCode == 250 && sent.error == nil)
        #expect(try await world.published(NotificationSent.eventType).count == 1)
        #expect(try await world.published(NotificationFailed.eventType).isEmpty)
    }

    @Test("A 5xx at DATA is recorded as failed with its code, announced, and not retried")
    func permanentFailure() async throws {
        let world = try await EmailWorld()
        let email = EmailWorld.address("permfail-")
        let event = try world.invoiceGenerated(email: email)
        let result = try await world.harness.deliver(event)
        #expect(result.success, "nothing to retry: the server refused for good")
        _ = try await world.harness.redeliver(event, attempt: 2)

        let status = try #require(try await world.status(of: event, to: email))
        #expect(status.status == .failed && status.smtpCode == 554 && status.errorCode == "email.rejected" && status.attempts == 1)
        let failed = try await world.published(NotificationFailed.eventType)
        #expect(failed.count == 1)
        #expect(failed.first?.payload["smtpCode"]?.intValue == 554)
        #expect(try world.server.messages(to: email).isEmpty)
    }

    @Test("A rejected recipient among several: the others get their copy, only that one fails")
    func rejectedAmongSeveral() async throws {
        let rejected = EmailWorld.address("reject-")
        let accounting = EmailWorld.address("accounting-")
        let world = try await EmailWorld(settings: ["copyTo": [.string(rejected), .string(accounting)]])
        let email = EmailWorld.address()
        let event = try world.invoiceGenerated(email: email)
        let result = try await world.harness.deliver(event)
        #expect(result.success)

        #expect(try world.server.messages(to: email).count == 1)
        #expect(try world.server.messages(to: accounting).count == 1)
        #expect(try world.server.messages(to: rejected).isEmpty)
        let refused = try #require(try await world.status(of: event, to: rejected))
        #expect(refused.status == .failed && refused.smtpCode == 550)
        #expect(try await world.status(of: event, to: accounting)?.status == .sent)
        #expect(try await world.plugin.notifications(forEvent: event.id).count == 3)
        #expect(try await world.published(NotificationSent.eventType).count == 2)
        #expect(try await world.published(NotificationFailed.eventType).count == 1)
    }

    @Test("Implicit TLS (the SMTPS port) delivers too")
    func implicitTLS() async throws {
        let server = try SMTPTestServer.start()
        let world = try await EmailWorld(settings: ["security": "tls", "smtpPort": .init(.int(Int64(server.implicitTLSPort)))])
        let email = EmailWorld.address()
        let result = try await world.harness.deliver(try world.invoiceGenerated(email: email))
        #expect(result.success)
        #expect(try world.server.messages(to: email).count == 1)
    }
}
