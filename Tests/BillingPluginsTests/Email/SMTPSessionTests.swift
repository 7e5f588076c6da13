import BillingCore
@testable import BillingPlugins
import Testing

/// The SMTP conversation's logic against scripted replies.
@Suite("SMTP session")
struct SMTPSessionTests {
    static let ehlo = "250-mail.example.com Hello\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME"
    static let ehloAfterTLS = "250-mail.example.com Hello\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME"
    let credentials = SMTPSession.Credentials(user: "billing", password: Secret("s3cret-pass"))

    func session(_ transport: ScriptedSMTPTransport, security: SMTPSession.Security = .startTLS, login: Bool = true) -> SMTPSession {
        SMTPSession(transport: transport, security: security, credentials: login ? credentials : nil, clientName: "billing.example.com")
    }

    @Test("Greeting, EHLO, STARTTLS, EHLO again, AUTH PLAIN; the capabilities after TLS count")
    func openWithStartTLS() async throws {
        let transport = ScriptedSMTPTransport(["220 mail.example.com ESMTP", Self.ehlo, "220 go ahead", Self.ehloAfterTLS, "235 2.7.0 ok"])
        let capabilities = try await session(transport).open()
        #expect(!capabilities.startTLS && capabilities.authMechanisms == ["PLAIN", "LOGIN"])
        let sent = await transport.sent
        #expect(sent == ["EHLO billing.example.com\r\n", "STARTTLS\r\n", "EHLO billing.example.com\r\n", "AUTH PLAIN AGJpbGxpbmcAczNjcmV0LXBhc3M=\r\n"])
        #expect(await transport.tlsStarts == 1)
    }

    @Test("No STARTTLS offered when it is required: nothing is sent, the error says why")
    func startTLSMissing() async throws {
        let transport = ScriptedSMTPTransport(["220 hi", "250-hi\r\n250 AUTH PLAIN"])
        let error = await #expect(throws: SMTPError.self) { try await session(transport).open() }
        #expect(error?.kind == .tls)
        #expect(error?.message.contains("no STARTTLS") == true)
        #expect(await transport.sent == ["EHLO billing.example.com\r\n"])
    }

    @Test("A refused login is an authentication error with 535 and never the password")
    func wrongPassword() async throws {
        let transport = ScriptedSMTPTransport(["220 hi", Self.ehlo, "220 go", Self.ehloAfterTLS, "535 5.7.8 Authentication credentials invalid"])
        let error = await #expect(throws: SMTPError.self) { try await session(transport).open() }
        #expect(error?.kind == .authentication && error?.code == 535 && error?.enhancedCode == "5.7.8")
        #expect(error.map { "\($0)" }?.contains("s3cret") == false)
        #expect(SMTPCommand.authPlain(user: "u", password: "s3cret").loggable == "AUTH PLAIN ***")
    }

    @Test("AUTH LOGIN when PLAIN is not offered")
    func authLogin() async throws {
        let transport = ScriptedSMTPTransport(["220 hi", "250-hi\r\n250 AUTH LOGIN", "334 VXNlcm5hbWU6", "334 UGFzc3dvcmQ6", "235 ok"], encrypted: true)
        _ = try await session(transport, security: .implicitTLS).open()
        #expect(await transport.sent.suffix(3) == ["AUTH LOGIN\r\n", "YmlsbGluZw==\r\n", "czNjcmV0LXBhc3M=\r\n"])
    }

    @Test("The password is never sent in clear: AUTH over an unencrypted connection is refused")
    func noAuthInClear() async throws {
        let transport = ScriptedSMTPTransport(["220 hi", Self.ehlo])
        let error = await #expect(throws: SMTPError.self) { try await session(transport, security: .none).open() }
        #expect(error?.kind == .tls)
        #expect(await transport.sent == ["EHLO billing.example.com\r\n"])
    }

    @Test("HELO when EHLO is refused with 5xx")
    func heloFallback() async throws {
        let transport = ScriptedSMTPTransport(["220 old server", "502 5.5.1 EHLO not implemented", "250 hello"])
        let capabilities = try await session(transport, security: .none, login: false).open()
        #expect(capabilities == .none)
        #expect(await transport.sent == ["EHLO billing.example.com\r\n", "HELO billing.example.com\r\n"])
    }

    @Test("A refused recipient among several: the others get the message, the refusal is reported")
    func refusedRecipient() async throws {
        let transport = ScriptedSMTPTransport(["250 ok", "250 ok", "550 5.1.1 no such user", "250 ok", "354 go", "250 queued"], encrypted: true)
        let delivery = try await session(transport).send(from: "billing@example.com", to: ["a@x.org", "reject@x.org", "b@x.org"], data: Array("Subject: hi\r\n\r\n.hidden\r\n".utf8))
        #expect(delivery.accepted == ["a@x.org", "b@x.org"])
        #expect(delivery.refused["reject@x.org"]?.kind == .permanent && delivery.refused["reject@x.org"]?.code == 550)
        let sent = await transport.sent
        #expect(sent.last == "Subject: hi\r\n\r\n..hidden\r\n.\r\n")  // dot-stuffed, terminated
    }

    @Test("451 at the end of DATA is transient; 554 is permanent", arguments: [("451 4.3.0 try later", SMTPError.Kind.transient), ("554 5.6.0 refused", .permanent)])
    func dataRefusals(reply: String, kind: SMTPError.Kind) async throws {
        let transport = ScriptedSMTPTransport(["250 ok", "250 ok", "354 go", reply], encrypted: true)
        let error = await #expect(throws: SMTPError.self) { try await session(transport).send(from: "a@b.c", to: ["d@e.f"], data: Array("x".utf8)) }
        #expect(error?.kind == kind)
        #expect(error?.isTransient == (kind == .transient))
    }

    @Test("Every recipient refused: the message is not sent, and a transient refusal makes it retryable")
    func allRefused() async throws {
        let transport = ScriptedSMTPTransport(["250 ok", "450 4.2.0 mailbox busy", "550 no", "250 reset"], encrypted: true)
        let error = await #expect(throws: SMTPError.self) { try await session(transport).send(from: "a@b.c", to: ["x@y.z", "w@y.z"], data: []) }
        #expect(error?.kind == .transient)
        #expect(await transport.sent.contains("DATA\r\n") == false)
    }
}

/// Reply lines, capabilities and DATA encoding.
@Suite("SMTP protocol pieces")
struct SMTPProtocolTests {
    @Test("Multi-line replies are assembled; malformed lines are protocol errors")
    func replies() throws {
        var parser = SMTPReplyParser()
        #expect(try parser.feed("250-first") == nil)
        #expect(try parser.feed("250-SIZE 1000") == nil)
        let reply = try #require(try parser.feed("250 last"))
        #expect(reply.code == 250 && reply.lines == ["first", "SIZE 1000", "last"])
        #expect(SMTPCapabilities(ehlo: reply).maxSize == 1000)
        #expect(throws: SMTPProtocolError.self) { try parser.feed("hello") }
        var mixed = SMTPReplyParser()
        _ = try mixed.feed("250-a")
        #expect(throws: SMTPProtocolError.self) { try mixed.feed("251 b") }
        var single = SMTPReplyParser()
        #expect(try single.feed("550 5.1.1 unknown")?.enhancedCode == "5.1.1")
        #expect(try single.feed("220")?.lines == [""])
    }

    @Test("Dot-stuffing doubles leading dots, turns bare LF into CRLF and ends with CRLF.CRLF")
    func dotStuffing() {
        let out = String(decoding: SMTPDataEncoding.dotStuffed(Array(".a\nb\r\n..c".utf8)), as: UTF8.self)
        #expect(out == "..a\r\nb\r\n...c\r\n.\r\n")
    }
}
