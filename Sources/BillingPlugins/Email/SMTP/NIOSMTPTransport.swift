import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// The real `SMTPTransport`: a TCP connection through SwiftNIO, TLS through NIOSSL.
/// The pipeline is `[TLS?] → SMTPReplyDecoder → SMTPReplyHandler`; STARTTLS puts the TLS
/// handler in front once the server said 220 to it. Every wait (a reply, a write, the
/// handshake) is bounded by the server's command timeout, which closes the connection.
final class NIOSMTPTransport: SMTPTransport {
    private static let decoderName = "smtp-reply-decoder"
    private static let injected = "the server sent another reply after its 220 to STARTTLS, before the TLS handshake; it is refused (it could be injected)"

    private let channel: any Channel
    private let handler: NIOLoopBound<SMTPReplyHandler>
    private let server: SMTPServer
    private let tls: NIOSSLContext?
    private let logger: Logger

    private init(channel: any Channel, handler: NIOLoopBound<SMTPReplyHandler>, server: SMTPServer, tls: NIOSSLContext?, logger: Logger) {
        self.channel = channel
        self.handler = handler
        self.server = server
        self.tls = tls
        self.logger = logger
    }

    /// Opens a TCP connection to `server` (TLS from the first byte for implicit TLS).
    /// `tls` is needed unless the security is `.none`.
    static func connect(to server: SMTPServer, tls: NIOSSLContext?, group: any EventLoopGroup, logger: Logger) async throws -> NIOSMTPTransport {
        let implicitTLS = server.security == .implicitTLS ? tls : nil
        let certificateName = server.certificateName
        // Each channel's handler is noted as it is made, so the winner's is known even if it
        // closed at once (a failed implicit-TLS handshake empties the pipeline). Happy eyeballs
        // may start several channels (IPv6 and IPv4), each with a handler of its own.
        let handlers = Mutex<[ObjectIdentifier: NIOLoopBound<SMTPReplyHandler>]>([:])
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(TimeAmount(server.connectTimeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let implicitTLS {
                        try pipeline.addHandler(NIOSSLClientHandler(context: implicitTLS, serverHostname: certificateName))
                    }
                    try pipeline.addHandler(ByteToMessageHandler(SMTPReplyDecoder()), name: decoderName)
                    let handler = SMTPReplyHandler()
                    try pipeline.addHandler(handler)
                    let bound = NIOLoopBound(handler, eventLoop: channel.eventLoop)
                    handlers.withLock { $0[ObjectIdentifier(channel)] = bound }
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: server.host, port: server.port).get()
        } catch {
            throw SMTPConnectionErrors.connecting(error, to: server)
        }
        guard let handler = handlers.withLock({ $0[ObjectIdentifier(channel)] }) else {
            channel.close(promise: nil)
            throw SMTPError(kind: .connection, message: "The connection to \(server.endpoint) was set up without its SMTP handler")
        }
        logger.debug("SMTP connected", metadata: ["smtp.server": "\(server.endpoint)", "smtp.security": "\(server.security.rawValue)"])
        return NIOSMTPTransport(channel: channel, handler: handler, server: server, tls: tls, logger: logger)
    }

    func send(_ bytes: [UInt8]) async throws {
        let written = channel.eventLoop.makePromise(of: Void.self)
        channel.writeAndFlush(channel.allocator.buffer(bytes: bytes), promise: written)
        try await bounded(written.futureResult, awaiting: "the server to take \(bytes.count) bytes")
    }

    func readReply(awaiting what: String) async throws -> SMTPReply {
        let handler = self.handler
        let timeout = TimeAmount(server.commandTimeout)
        let eventLoop = channel.eventLoop
        do {
            let reply = try await eventLoop.flatSubmit { handler.value.nextReply(timeout: timeout, on: eventLoop) }.get()
            logger.trace("SMTP reply", metadata: ["smtp.server": "\(server.endpoint)", "smtp.reply": "\(reply)"])
            return reply
        } catch {
            throw SMTPConnectionErrors.exchanging(error, with: server, awaiting: what)
        }
    }

    func startTLS() async throws {
        guard let tls else { throw SMTPError(kind: .tls, message: "No TLS configuration for \(server.endpoint)") }
        let handler = self.handler
        let channel = self.channel
        let certificateName = server.certificateName
        let timeout = TimeAmount(server.commandTimeout)
        do {
            // The old decoder goes, and with it any bytes the server sent after its 220 (the
            // decoder refuses them): nothing sent in clear may be read as if it came through TLS.
            // One chain of callbacks on the event loop, so no read falls between removal and TLS.
            try await channel.eventLoop.flatSubmit { () -> EventLoopFuture<Void> in
                guard handler.value.unreadReplies == 0 else {
                    return channel.eventLoop.makeFailedFuture(SMTPProtocolError(Self.injected))
                }
                return channel.pipeline.removeHandler(name: Self.decoderName).flatMap { () -> EventLoopFuture<Void> in
                    let handler = handler.value
                    if let failure = handler.failure { return channel.eventLoop.makeFailedFuture(failure) }
                    guard handler.unreadReplies == 0 else { return channel.eventLoop.makeFailedFuture(SMTPProtocolError(Self.injected)) }
                    do {
                        let pipeline = channel.pipeline.syncOperations
                        let ssl = try NIOSSLClientHandler(context: tls, serverHostname: certificateName)
                        try pipeline.addHandler(ssl, position: .first)
                        try pipeline.addHandler(ByteToMessageHandler(SMTPReplyDecoder()), name: Self.decoderName, position: .after(ssl))
                    } catch {
                        return channel.eventLoop.makeFailedFuture(error)
                    }
                    return handler.handshakeCompleted(timeout: timeout, on: channel.eventLoop)
                }
            }.get()
        } catch {
            channel.close(promise: nil)
            throw SMTPConnectionErrors.exchanging(error, with: server, awaiting: "the TLS handshake (after STARTTLS)")
        }
        logger.debug("SMTP STARTTLS done", metadata: ["smtp.server": "\(server.endpoint)"])
    }

    var isEncrypted: Bool {
        get async {
            let handler = self.handler
            return (try? await channel.eventLoop.submit { handler.value.isEncrypted }.get()) ?? false
        }
    }

    /// Whether the connection can carry another message: open, no failure, and no reply the
    /// client did not ask for (a server about to close sends 421 first).
    var isReusable: Bool {
        get async {
            let handler = self.handler
            guard channel.isActive else { return false }
            return (try? await channel.eventLoop.submit { handler.value.failure == nil && handler.value.unreadReplies == 0 }.get()) ?? false
        }
    }

    /// Closes the connection (without QUIT; the session says goodbye first when it can).
    func close() async {
        try? await channel.close()
    }

    /// Waits for `future` at most the command timeout; past it, the connection is closed.
    private func bounded(_ future: EventLoopFuture<Void>, awaiting what: String) async throws {
        let handler = self.handler
        let timeout = TimeAmount(server.commandTimeout)
        let eventLoop = channel.eventLoop
        let guarded = eventLoop.flatSubmit { () -> EventLoopFuture<Void> in
            let timer = eventLoop.scheduleTask(in: timeout) { handler.value.timeOut() }
            return future.always { _ in timer.cancel() }
        }
        do {
            try await guarded.get()
        } catch {
            // A write fails because the connection closed; the handler knows why (a timeout, the server).
            let server = self.server
            let cause = try? await eventLoop.submit { handler.value.failure.map { SMTPConnectionErrors.exchanging($0, with: server, awaiting: what) } }.get()
            throw (cause ?? nil) ?? SMTPConnectionErrors.exchanging(error, with: server, awaiting: what)
        }
    }
}
