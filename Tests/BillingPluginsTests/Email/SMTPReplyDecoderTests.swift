import BillingCore
@testable import BillingPlugins
import NIOCore
import NIOEmbedded
import Testing

/// The byte-level reply decoder of the NIO transport, and the server settings value.
@Suite("SMTPClient pieces: reply decoder and server settings")
struct SMTPReplyDecoderTests {
    private func channel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPReplyDecoder()), name: "decoder")
        return channel
    }

    @Test("A multi-line reply split across reads is one reply; a bare LF ends a line too; EOF in a reply is an error")
    func multiLineAcrossReads() throws {
        let channel = try channel()
        try channel.writeInbound(ByteBuffer(string: "250-mail.example.com\r\n250-STAR"))
        #expect(try channel.readInbound(as: SMTPReply.self) == nil)
        try channel.writeInbound(ByteBuffer(string: "TTLS\n250 AUTH PLAIN\r\n220 next"))
        let reply = try #require(try channel.readInbound(as: SMTPReply.self))
        #expect(reply.code == 250 && reply.lines == ["mail.example.com", "STARTTLS", "AUTH PLAIN"])
        #expect(try channel.readInbound(as: SMTPReply.self) == nil)
        #expect(throws: SMTPProtocolError.self) { try channel.finish(acceptAlreadyClosed: true) }
    }

    @Test("Bytes left over when the decoder is removed for STARTTLS are refused, not carried into TLS")
    func leftoversBeforeTLS() throws {
        let channel = try channel()
        try channel.writeInbound(ByteBuffer(string: "220 go ahead\r\n250 injec"))
        #expect(try channel.readInbound(as: SMTPReply.self)?.code == 220)
        let removal = channel.pipeline.removeHandler(name: "decoder")
        channel.embeddedEventLoop.run()
        try removal.wait()
        #expect(throws: SMTPProtocolError.self) { try channel.throwIfErrorCaught() }
        _ = try channel.finish(acceptAlreadyClosed: true)
    }

    @Test("A line longer than any reply may be is a protocol error, not an endless buffer")
    func overlongLine() throws {
        let channel = try channel()
        #expect(throws: SMTPProtocolError.self) {
            try channel.writeInbound(ByteBuffer(string: "250 " + String(repeating: "x", count: SMTPReplyParser.maxLineBytes + 10)))
        }
        _ = try? channel.finish(acceptAlreadyClosed: true)
    }

    @Test("Server settings: the password decides equality but never shows; IP hosts check the IP SAN")
    func serverSettings() {
        let a = SMTPServer(host: "127.0.0.1", port: 587, credentials: .init(user: "u", password: Secret("canary-pass")))
        var b = a
        b.credentials = .init(user: "u", password: Secret("other-pass"))
        #expect(a != b && a == a)
        #expect(!"\(a)".contains("canary") && !String(reflecting: a).contains("canary"))
        #expect(a.certificateName == nil && a.endpoint == "127.0.0.1:587")
        let named = SMTPServer(host: "smtp.example.com", port: 465)
        #expect(named.certificateName == "smtp.example.com")
        #expect(SMTPServer(host: "::1", port: 25).endpoint == "[::1]:25")
    }
}
