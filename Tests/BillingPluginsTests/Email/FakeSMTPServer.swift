import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// A minimal SMTP server on 127.0.0.1 for what the real test server cannot do on cue: drop
/// a pooled connection at a chosen moment, or present a certificate of the test's own.
/// No AUTH; implicit TLS when given a context; it accepts everything except where
/// `misbehave` says otherwise for (connection number, message number), both from 0.
final class FakeSMTPServer: Sendable {
    enum Moment: Sendable { case mailFrom, endOfData, startTLS }

    /// What to do instead of accepting: nil accepts.
    typealias Misbehaviour = @Sendable (_ connection: Int, _ message: Int, _ moment: Moment) -> Action?

    enum Action: Sendable {
        /// Send this reply, then close.
        case replyAndClose(String)
        /// Close without a word.
        case close
        /// Say nothing until `releaseHeld()`, then accept.
        case hold
        /// Send this (one or more lines) and go on.
        case reply(String)
    }

    /// What happened, for tests to wait on instead of sleeping.
    enum Event: Sendable { case quit, held }

    private let channel: any Channel
    private let counters: Counters
    let port: Int
    /// Every QUIT received and every reply held back, as they happen.
    let events: AsyncStream<Event>

    /// Messages whose DATA arrived complete (whether or not the server then said 250).
    var messagesReceived: Int { counters.state.withLock { $0.messages } }

    private init(channel: any Channel, port: Int, counters: Counters, events: AsyncStream<Event>) {
        self.channel = channel
        self.port = port
        self.counters = counters
        self.events = events
    }

    static func start(tls: NIOSSLContext? = nil, misbehave: @escaping Misbehaviour = { _, _, _ in nil }) async throws -> FakeSMTPServer {
        let counters = Counters()
        let (events, continuation) = AsyncStream.makeStream(of: Event.self)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    let number = counters.state.withLock { state in
                        defer { state.connections += 1 }
                        return state.connections
                    }
                    if let tls { try child.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    let handler = Handler(connection: number, misbehave: misbehave, counters: counters, events: continuation)
                    try child.pipeline.syncOperations.addHandler(handler)
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return FakeSMTPServer(channel: channel, port: channel.localAddress?.port ?? 0, counters: counters, events: events)
    }

    /// Accepts the messages held back by `.hold`.
    func releaseHeld() {
        let held = counters.state.withLock { state in
            defer { state.held = [] }
            return state.held
        }
        for channel in held { channel.writeAndFlush(channel.allocator.buffer(string: "250 2.0.0 queued\r\n"), promise: nil) }
    }

    func stop() async throws {
        try await channel.close()
    }

    private final class Counters: Sendable {
        let state = Mutex((connections: 0, messages: 0, held: [any Channel]()))
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        let connection: Int
        let misbehave: Misbehaviour
        let counters: Counters
        let events: AsyncStream<Event>.Continuation
        var pending: [UInt8] = []
        var inData = false
        var messages = 0

        init(connection: Int, misbehave: @escaping Misbehaviour, counters: Counters, events: AsyncStream<Event>.Continuation) {
            self.connection = connection
            self.misbehave = misbehave
            self.counters = counters
            self.events = events
        }

        func channelActive(context: ChannelHandlerContext) {
            reply("220 fake.test ESMTP", context)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            pending += Array(buffer: Self.unwrapInboundIn(data))
            while let end = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<end], as: UTF8.self).trimmingCharacters(in: ["\r"])
                pending.removeSubrange(...end)
                handle(line, context)
            }
        }

        private func handle(_ line: String, _ context: ChannelHandlerContext) {
            if inData {
                guard line == "." else { return }
                inData = false
                counters.state.withLock { $0.messages += 1 }
                defer { messages += 1 }
                if act(.endOfData, context) { return }
                reply("250 2.0.0 queued", context)
                return
            }
            switch line.prefix(4).uppercased() {
            case "EHLO": reply("250-fake.test\r\n250-STARTTLS\r\n250 8BITMIME", context)
            case "STAR": if !act(.startTLS, context) { reply("454 4.7.0 TLS not available", context) }
            case "MAIL": if !act(.mailFrom, context) { reply("250 2.1.0 ok", context) }
            case "RCPT", "RSET": reply("250 ok", context)
            case "DATA":
                inData = true
                reply("354 go ahead", context)
            case "QUIT":
                events.yield(.quit)
                reply("221 bye", context)
                context.close(promise: nil)
            default: reply("502 5.5.1 not implemented", context)
            }
        }

        private func act(_ moment: Moment, _ context: ChannelHandlerContext) -> Bool {
            switch misbehave(connection, messages, moment) {
            case nil: return false
            case .replyAndClose(let text):
                reply(text, context)
                context.close(promise: nil)
            case .close:
                context.close(promise: nil)
            case .reply(let text):
                reply(text, context)
            case .hold:
                let channel = context.channel
                counters.state.withLock { $0.held.append(channel) }
                events.yield(.held)
            }
            return true
        }

        private func reply(_ text: String, _ context: ChannelHandlerContext) {
            context.writeAndFlush(Self.wrapOutboundOut(context.channel.allocator.buffer(string: text + "\r\n")), promise: nil)
        }
    }
}
