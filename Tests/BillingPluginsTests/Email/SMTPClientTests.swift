import BilingusTestSupport
import BillingCore
@testable import BillingPlugins
import Foundation
import InMemoryLogging
import Logging
import Testing

/// The SMTP client against the real test server (aiosmtpd, started by
/// `Scripts/with-test-servers`): delivery, refusals, and misconfiguration errors.
@Suite("SMTPClient against the test server")
struct SMTPClientTests {
    typealias Support = SMTPClientTestSupport

    @Test("STARTTLS, AUTH and a message: the server saves exactly the bytes sent")
    func startTLSSend() async throws {
        let test = try SMTPTestServer.start()
        let client = SMTPClient(logger: Support.logger())
        let recipient = Support.address()
        let message = Support.message(to: recipient)
        let delivery = try await client.send(from: "billing@example.com", to: [recipient], data: message, via: Support.server(test))
        await client.shutdown()
        #expect(delivery.accepted == [recipient] && delivery.refused.isEmpty)
        let saved = try test.messages(to: recipient)
        #expect(saved.count == 1)
        #expect(saved.first?.mailFrom == "billing@example.com")
        #expect(saved.first?.raw == message)  // dot-stuffing undone by the server: the same bytes
    }

    @Test("Implicit TLS (SMTPS port): the message arrives")
    func implicitTLSSend() async throws {
        let test = try SMTPTestServer.start()
        let client = SMTPClient(logger: Support.logger())
        let recipient = Support.address()
        _ = try await client.send(from: "billing@example.com", to: [recipient], data: Support.message(to: recipient), via: Support.server(test, security: .implicitTLS))
        await client.shutdown()
        #expect(try test.messages(to: recipient).count == 1)
    }

    @Test("Dialled by name (localhost): the certificate is checked against the DNS name, over STARTTLS and implicit TLS")
    func byHostName() async throws {
        let test = try SMTPTestServer.start()
        let client = SMTPClient(logger: Support.logger())
        let recipient = Support.address()
        for security in [SMTPSession.Security.startTLS, .implicitTLS] {
            var server = Support.server(test, security: security)
            server.host = "localhost"
            #expect(server.certificateName == "localhost")
            _ = try await client.send(from: "billing@example.com", to: [recipient], data: Support.message(to: recipient), via: server)
        }
        await client.shutdown()
        #expect(try test.messages(to: recipient).count == 2)
    }

    @Test("A wrong password: authentication error 535; the password is in no error and no log line")
    func wrongPassword() async throws {
        let test = try SMTPTestServer.start()
        let logs = InMemoryLogHandler()
        var logger = Logger(label: "test.smtp") { _ in logs }
        logger.logLevel = .trace
        let client = SMTPClient(logger: logger)
        let canary = "canary-\(UUID().uuidString)"
        let recipient = Support.address()
        let error = await #expect(throws: SMTPError.self) {
            try await client.send(from: "billing@example.com", to: [recipient], data: Support.message(to: recipient), via: Support.server(test, password: canary))
        }
        await client.shutdown()
        #expect(error?.kind == .authentication && error?.code == 535)
        let plain = Data("\u{0}\(test.user)\u{0}\(canary)".utf8).base64EncodedString()
        let forms = [canary, plain, Data(canary.utf8).base64EncodedString()]
        let texts = [error.map { "\($0)" } ?? "", error.map { String(reflecting: $0) } ?? ""]
            + logs.entries.flatMap { [$0.message.description, "\($0.metadata)", $0.error.map { "\($0)" } ?? ""] }
        #expect(logs.entries.contains { $0.metadata["smtp.command"]?.description == "AUTH PLAIN ***" })  // the login was logged, masked
        for text in texts {
            for form in forms { #expect(!text.contains(form), "the password shows in: \(text)") }
        }
        #expect(try test.messages(to: recipient).isEmpty)
    }

    @Test("A port nobody listens on: a connection error that says so")
    func serverDown() async throws {
        let port = try await Support.closedPort()
        let client = SMTPClient(logger: Support.logger())
        let server = SMTPServer(host: "127.0.0.1", port: port, connectTimeout: .seconds(5))
        let error = await #expect(throws: SMTPError.self) {
            try await client.send(from: "a@example.com", to: ["b@example.com"], data: Array("x".utf8), via: server)
        }
        await client.shutdown()
        #expect(error?.kind == .connection)
        #expect(error?.message == "Could not connect to 127.0.0.1:\(port): connection refused — is the SMTP server running and the port right?")
    }

    @Test("The self-signed certificate against the system trust roots: an untrusted-issuer TLS error")
    func untrustedCertificate() async throws {
        let test = try SMTPTestServer.start()
        let client = SMTPClient(logger: Support.logger())
        let recipient = Support.address()
        for security in [SMTPSession.Security.startTLS, .implicitTLS] {
            let error = await #expect(throws: SMTPError.self) {
                try await client.send(from: "billing@example.com", to: [recipient], data: Support.message(to: recipient), via: Support.server(test, security: security, trustRoots: .system))
            }
            #expect(error?.kind == .tls)
            #expect(error?.message.contains("not trusted (untrusted issuer") == true, "\(String(describing: error))")
            #expect(error?.message.contains("set the trust roots") == true)
        }
        await client.shutdown()
        #expect(try test.messages(to: recipient).isEmpty)
    }

    /// The shared test certificate carries the IP address 127.0.0.1, and NIOSSL accepts a
    /// certificate whose IP SAN matches the connected address whatever the name; so this
    /// test presents a certificate of its own that names only mail.example.org.
    @Test("A trusted certificate without the expected name or IP: a hostname-mismatch TLS error; with the name it works")
    func hostnameMismatch() async throws {
        let (pem, context) = try Support.certificate(for: "mail.example.org")
        let fake = try await FakeSMTPServer.start(tls: context)
        let client = SMTPClient(logger: Support.logger())
        func server(_ name: String?) -> SMTPServer {
            SMTPServer(host: "127.0.0.1", port: fake.port, security: .implicitTLS, trustRoots: .pemFile(pem), tlsServerName: name, commandTimeout: .seconds(5))
        }
        for (name, shown) in [(nil, "127.0.0.1"), ("other.example.org", "other.example.org")] {
            let error = await #expect(throws: SMTPError.self) {
                try await client.send(from: "billing@example.com", to: ["x@example.com"], data: Array("x".utf8), via: server(name))
            }
            #expect(error?.kind == .tls)
            #expect(error?.message.contains("does not match the name '\(shown)' (hostname mismatch)") == true, "\(String(describing: error))")
        }
        let delivery = try await client.send(from: "billing@example.com", to: ["x@example.com"], data: Array("x".utf8), via: server("mail.example.org"))
        await client.shutdown()
        try await fake.stop()
        #expect(delivery.accepted == ["x@example.com"])
        #expect(fake.messagesReceived == 1)
    }

    @Test("A trust-roots file that does not exist: a TLS error naming it, before any connection")
    func missingTrustRoots() async throws {
        let port = try await Support.closedPort()
        let client = SMTPClient(logger: Support.logger())
        let server = SMTPServer(host: "127.0.0.1", port: port, trustRoots: .pemFile("/nonexistent/smtp-ca.pem"))
        let error = await #expect(throws: SMTPError.self) {
            try await client.send(from: "a@example.com", to: ["b@example.com"], data: Array("x".utf8), via: server)
        }
        let opened = await client.connectionsOpened
        await client.shutdown()
        #expect(error?.kind == .tls)
        #expect(error?.message.contains("Could not load the trust roots in /nonexistent/smtp-ca.pem") == true, "\(String(describing: error))")
        #expect(opened == 0)
    }

    @Test("One refused recipient among three: the others get the message, the refusal is reported with 550")
    func refusedRecipient() async throws {
        let test = try SMTPTestServer.start()
        let client = SMTPClient(logger: Support.logger())
        let first = Support.address(), rejected = Support.address("reject"), last = Support.address()
        let delivery = try await client.send(from: "billing@example.com", to: [first, rejected, last], data: Support.message(to: first), via: Support.server(test))
        await client.shutdown()
        #expect(delivery.accepted == [first, last])
        #expect(delivery.refused.keys.sorted() == [rejected])
        #expect(delivery.refused[rejected]?.kind == .permanent && delivery.refused[rejected]?.code == 550)
        let saved = try test.messages(to: first)
        #expect(saved.count == 1 && saved.first?.recipients == [first, last])
    }

    @Test("554 at DATA is permanent")
    func permanentFailure() async throws {
        let test = try SMTPTestServer.start()
        let client = SMTPClient(logger: Support.logger())
        let recipient = Support.address("permfail")
        let error = await #expect(throws: SMTPError.self) {
            try await client.send(from: "billing@example.com", to: [recipient], data: Support.message(to: recipient), via: Support.server(test))
        }
        await client.shutdown()
        #expect(error?.kind == .permanent && error?.code == 554)
        #expect(error?.isTransient == false)
    }

    @Test("451 at DATA is transient, and the second try is delivered")
    func transientThenDelivered() async throws {
        let test = try SMTPTestServer.start()
        let client = SMTPClient(logger: Support.logger())
        let recipient = Support.address("tempfail1")
        let server = Support.server(test)
        let error = await #expect(throws: SMTPError.self) {
            try await client.send(from: "billing@example.com", to: [recipient], data: Support.message(to: recipient), via: server)
        }
        #expect(error?.kind == .transient && error?.code == 451 && error?.isTransient == true)
        let delivery = try await client.send(from: "billing@example.com", to: [recipient], data: Support.message(to: recipient), via: server)
        let opened = await client.connectionsOpened
        await client.shutdown()
        #expect(delivery.accepted == [recipient])
        #expect(try test.messages(to: recipient).count == 1)
        #expect(opened == 1)  // a refused message leaves the connection usable (after RSET)
    }

    @Test("After shutdown, sending fails with a connection error")
    func afterShutdown() async throws {
        let test = try SMTPTestServer.start()
        let client = SMTPClient(logger: Support.logger())
        await client.shutdown()
        let error = await #expect(throws: SMTPError.self) {
            try await client.send(from: "billing@example.com", to: [Support.address()], data: [], via: Support.server(test))
        }
        #expect(error?.kind == .connection)
    }
}
