import Logging
import NIOCore
import NIOPosix

/// Sends mail through SMTP servers over SwiftNIO, reusing connections for bursts: one
/// pool per `SMTPServer` value (per tenant's settings), at most `maxConnectionsPerServer`
/// open to each, idle ones closed after `idleTimeout`. Errors are `SMTPError`s that name
/// the server and the step, and never a password. Call `shutdown()` before the event loop
/// group goes away.
actor SMTPClient {
    private let group: any EventLoopGroup
    private let logger: Logger
    private let maxConnectionsPerServer: Int
    private let idleTimeout: Duration
    private var pools: [SMTPServer: SMTPConnectionPool] = [:]
    private var isShutDown = false

    /// A client; `maxConnectionsPerServer` must be at least 1.
    init(
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger,
        maxConnectionsPerServer: Int = 2,
        idleTimeout: Duration = .seconds(30)
    ) {
        precondition(maxConnectionsPerServer > 0, "maxConnectionsPerServer must be at least 1")
        self.group = eventLoopGroup
        self.logger = logger
        self.maxConnectionsPerServer = maxConnectionsPerServer
        self.idleTimeout = idleTimeout
    }

    /// Sends one message (`data`: the RFC 5322 bytes, as `EmailMessage` renders them) from
    /// `sender` to `recipients` through `server`. Recipients the server refuses are reported
    /// in the result while the others get the message.
    /// - Throws: `SMTPError`: `.transient` or `.connection` (try again later), `.permanent`
    ///   (the message or every recipient was refused), `.authentication`, `.tls`, `.protocolViolation`;
    ///   `CancellationError` when the task is cancelled while it waits for a connection (a send
    ///   under way is not interrupted: its replies are bounded by the command timeout).
    func send(from sender: String, to recipients: [String], data: [UInt8], via server: SMTPServer) async throws -> SMTPSession.Delivery {
        guard !isShutDown else { throw SMTPError(kind: .connection, message: "The SMTP client was shut down") }
        guard !recipients.isEmpty else { throw SMTPError(kind: .permanent, message: "No recipients") }
        return try await pool(for: server).send(from: sender, to: recipients, data: data)
    }

    /// Closes every idle connection (with QUIT) and refuses further sends.
    func shutdown() async {
        isShutDown = true
        let pools = Array(self.pools.values)
        for pool in pools { await pool.shutdown() }
    }

    /// How many connections were opened, over all servers (tests of reuse count them).
    var connectionsOpened: Int {
        get async {
            var total = 0
            for pool in pools.values { total += await pool.connectionsOpened }
            return total
        }
    }

    /// The most connections that were open at once to `server`.
    func mostOpenConnections(to server: SMTPServer) async -> Int {
        await pools[server]?.mostOpen ?? 0
    }

    /// How many senders wait for a connection to `server`.
    func waitingSenders(for server: SMTPServer) async -> Int {
        await pools[server]?.waitingCount ?? 0
    }

    private func pool(for server: SMTPServer) -> SMTPConnectionPool {
        if let pool = pools[server] { return pool }
        let pool = SMTPConnectionPool(server: server, group: group, logger: logger, maxConnections: maxConnectionsPerServer, idleTimeout: idleTimeout)
        pools[server] = pool
        return pool
    }
}
