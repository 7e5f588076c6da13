import NIOCore
import NIOTLS

/// The last handler of an SMTP connection's pipeline: it keeps the replies the decoder
/// assembled until the session asks for them, and the first failure (an error, the
/// connection closing, a timeout), which every later read then gets. Lives on the
/// channel's event loop; `NIOSMTPTransport` reaches it through a `NIOLoopBound`.
final class SMTPReplyHandler: ChannelInboundHandler {
    typealias InboundIn = SMTPReply

    /// The server said nothing in time; the connection was closed.
    struct TimedOut: Error {}
    /// The connection closed (by the server, or after an error).
    struct Closed: Error {}

    private var replies = CircularBuffer<SMTPReply>()
    private var waiting: (promise: EventLoopPromise<SMTPReply>, timeout: Scheduled<Void>)?
    private var handshake: (promise: EventLoopPromise<Void>, timeout: Scheduled<Void>)?
    private var context: ChannelHandlerContext?
    /// The first failure; later reads fail with it.
    private(set) var failure: (any Error)?
    /// Whether a TLS handshake completed on this connection.
    private(set) var isEncrypted = false
    /// Replies received that nobody has read yet.
    var unreadReplies: Int { replies.count }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let reply = Self.unwrapInboundIn(data)
        if let waiting {
            self.waiting = nil
            waiting.timeout.cancel()
            waiting.promise.succeed(reply)
        } else {
            replies.append(reply)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent {
            isEncrypted = true
            if let handshake {
                self.handshake = nil
                handshake.timeout.cancel()
                handshake.promise.succeed()
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(Closed())
        context.fireChannelInactive()
    }

    /// The next reply: a buffered one, or the next to arrive within `timeout`.
    func nextReply(timeout: TimeAmount, on eventLoop: any EventLoop) -> EventLoopFuture<SMTPReply> {
        if let reply = replies.popFirst() { return eventLoop.makeSucceededFuture(reply) }
        if let failure { return eventLoop.makeFailedFuture(failure) }
        precondition(waiting == nil, "SMTP replies are read one at a time")
        let promise = eventLoop.makePromise(of: SMTPReply.self)
        let timer = eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in timeOut() }
        waiting = (promise, timer)
        return promise.futureResult
    }

    /// Completes when a TLS handshake does, within `timeout`.
    func handshakeCompleted(timeout: TimeAmount, on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        if isEncrypted { return eventLoop.makeSucceededVoidFuture() }
        if let failure { return eventLoop.makeFailedFuture(failure) }
        let promise = eventLoop.makePromise(of: Void.self)
        let timer = eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in timeOut() }
        handshake = (promise, timer)
        return promise.futureResult
    }

    /// Records `error` (the first one wins) and fails whoever waits.
    func fail(_ error: any Error) {
        if failure == nil { failure = error }
        let failure = failure ?? error
        if let waiting {
            self.waiting = nil
            waiting.timeout.cancel()
            waiting.promise.fail(failure)
        }
        if let handshake {
            self.handshake = nil
            handshake.timeout.cancel()
            handshake.promise.fail(failure)
        }
    }

    /// The wait was too long: fail it and close the connection.
    func timeOut() {
        fail(TimedOut())
        context?.close(promise: nil)
    }
}
