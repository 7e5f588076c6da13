import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The local receiver both sides send to: HTTP/1.1 listeners on 127.0.0.1 (and .2, .3, ...
/// for endpoints on hosts of their own) that answer every POST `200 ok`, at once or after a
/// set latency as a remote receiver would, keep connections alive, and count what they got:
/// every request, and the distinct (path, `webhook-id`) pairs, which are the deliveries.
/// While capturing, they keep each request's headers and body, so the plain loop can send
/// exactly the bytes the engine sent.
final class BenchmarkReceiver: Sendable {
    /// One request as received.
    struct Request: Sendable {
        var path: String
        var headers: [(String, String)]
        var body: [UInt8]
    }

    /// `host:port` of each listener: 127.0.0.1, 127.0.0.2, ..., so endpoints can be on hosts of their own.
    let hosts: [String]
    private let channels: [any Channel]
    private let log: Log

    private init(channels: [any Channel], log: Log) {
        self.channels = channels
        self.log = log
        hosts = channels.map { channel in "\(channel.localAddress?.ipAddress ?? "?"):\(channel.localAddress?.port ?? 0)" }
    }

    /// Starts `hosts` listeners on free ports of 127.0.0.1, 127.0.0.2 and so on, on NIO's
    /// shared event loops, answering each request after `latency`.
    static func start(latency: Duration = .zero, hosts: Int = 1) async throws -> BenchmarkReceiver {
        let log = Log()
        var channels: [any Channel] = []
        for index in 0..<hosts {
            channels.append(try await listen(on: "127.0.0.\(1 + index)", latency: latency, log: log))
        }
        return BenchmarkReceiver(channels: channels, log: log)
    }

    /// The URL of endpoint `index`, on host `index % hosts.count`.
    func url(ofEndpoint index: Int) -> String {
        "http://\(hosts[index % hosts.count])/hooks/ep-\(index)"
    }

    /// Forgets the counts; keeps the requests from now on when `capturing`.
    func reset(capturing: Bool) {
        log.state.withLock { $0 = Log.State(captured: capturing ? [] : nil) }
    }

    /// Requests received, and distinct deliveries among them.
    var counts: (received: Int, deliveries: Int) {
        log.state.withLock { ($0.received, $0.deliveries.count) }
    }

    /// The requests kept since `reset(capturing: true)`.
    func captured() -> [Request] {
        log.state.withLock { $0.captured ?? [] }
    }

    func stop() async throws {
        for channel in channels { try await channel.close() }
    }

    private static func listen(on address: String, latency: Duration, log: Log) async throws -> any Channel {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(latency: TimeAmount(latency), record: log.record))
                }
            }
            .bind(host: address, port: 0).get()
    }

    /// What the listeners received, shared by all of them.
    private final class Log: Sendable {
        struct State {
            var received = 0
            var deliveries = Set<String>()
            var captured: [Request]?
        }

        let state = Mutex(State())

        @Sendable func record(_ request: Request) {
            let id = request.headers.first { $0.0.lowercased() == "webhook-id" }?.1 ?? ""
            state.withLock { state in
                state.received += 1
                state.deliveries.insert(request.path + " " + id)
                state.captured?.append(request)
            }
        }
    }

    /// Collects one request and answers it.
    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        private let latency: TimeAmount
        private let record: @Sendable (Request) -> Void
        private var head: HTTPRequestHead?
        private var body: [UInt8] = []

        init(latency: TimeAmount, record: @escaping @Sendable (Request) -> Void) {
            self.latency = latency
            self.record = record
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body.removeAll(keepingCapacity: true)
            case .body(let buffer):
                body += buffer.readableBytesView
            case .end:
                guard let head else { return }
                record(Request(path: head.uri, headers: head.headers.map { ($0.name, $0.value) }, body: body))
                if latency > .zero {
                    let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
                    context.eventLoop.scheduleTask(in: latency) { Self.answer(bound.value, head) }
                } else {
                    Self.answer(context, head)
                }
                self.head = nil
            }
        }

        private static func answer(_ context: ChannelHandlerContext, _ head: HTTPRequestHead) {
            var headers = HTTPHeaders([("content-length", "2"), ("content-type", "text/plain")])
            if !head.isKeepAlive { headers.add(name: "connection", value: "close") }
            context.write(NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))), promise: nil)
            context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: "ok")))), promise: nil)
            if head.isKeepAlive {
                context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)), promise: nil)
            } else {
                let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
                context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil))).whenComplete { _ in bound.value.close(promise: nil) }
            }
        }
    }
}
