import Logging
import NIOCore
import NIOSSL

/// The open connections to one `SMTPServer`, reused for bursts: at most `maxConnections`
/// open at once; more senders wait in line (FIFO, a bounded line, leaving it when cancelled).
/// A connection goes back to the pool only after a message ended cleanly (sent, or refused
/// by the server and reset); any other failure closes it. Idle ones close after `idleTimeout`.
actor SMTPConnectionPool {
    /// An open, greeted, secured and logged-in connection.
    struct Connection: Sendable {
        let id: Int
        let transport: NIOSMTPTransport
        let session: SMTPSession
    }

    /// What a sender may do: reuse an idle connection, or open a new one (counted already).
    private enum Slot: Sendable {
        case idle(Connection)
        case new
    }

    private struct Waiter {
        let id: Int
        let continuation: CheckedContinuation<Slot, any Error>
    }

    /// The most senders that may wait for a connection; past it, sending fails at once.
    static let maxWaiting = 1000

    private let server: SMTPServer
    private let group: any EventLoopGroup
    private let logger: Logger
    private let maxConnections: Int
    private let idleTimeout: Duration
    private var tls: NIOSSLContext?
    private var idle: [Connection] = []
    private var idleTimers: [Int: Task<Void, Never>] = [:]
    /// Connections open or being opened, in use or idle.
    private var open = 0
    private var waiters: [Waiter] = []
    private var nextID = 0
    private var isShutDown = false
    /// How many connections this pool opened (for tests of reuse).
    private(set) var connectionsOpened = 0
    /// The most that were open at once.
    private(set) var mostOpen = 0
    /// Senders waiting for a connection.
    var waitingCount: Int { waiters.count }

    init(server: SMTPServer, group: any EventLoopGroup, logger: Logger, maxConnections: Int, idleTimeout: Duration) {
        precondition(maxConnections > 0, "maxConnectionsPerServer must be at least 1")
        self.server = server
        self.group = group
        var logger = logger
        logger[metadataKey: "smtp.server"] = "\(server.endpoint)"
        self.logger = logger
        self.maxConnections = maxConnections
        self.idleTimeout = idleTimeout
    }

    /// Sends one message on a pooled connection. A reused connection that fails before
    /// MAIL FROM is accepted (the server closed it meanwhile) is replaced once; after that
    /// nothing is retried, so a message is never sent twice.
    func send(from sender: String, to recipients: [String], data message: [UInt8]) async throws -> SMTPSession.Delivery {
        var mayRetry = true
        while true {
            let (connection, reused) = try await acquire()
            do {
                try await connection.session.mail(from: sender)
            } catch let error as SMTPError where reused && mayRetry && Self.isStale(error) {
                logger.debug("SMTP pooled connection was stale; retrying on a new one", metadata: ["smtp.error": "\(error)"])
                mayRetry = false
                await discard(connection)
                continue
            } catch {
                await finish(connection, after: error)
                throw error
            }
            do {
                let delivery = try await connection.session.deliver(to: recipients, data: message)
                giveBack(connection)
                return delivery
            } catch {
                await finish(connection, after: error)
                throw error
            }
        }
    }

    /// Closes the idle connections (with QUIT), fails the waiting senders, and refuses new
    /// sends. Connections in use close when their message is done.
    func shutdown() async {
        isShutDown = true
        let waiting = waiters
        waiters = []
        for waiter in waiting { waiter.continuation.resume(throwing: Self.shutDownError) }
        let closing = idle
        idle = []
        for timer in idleTimers.values { timer.cancel() }
        idleTimers = [:]
        open -= closing.count
        for connection in closing { await Self.quitAndClose(connection) }
    }

    // MARK: Connections

    /// A connection to send on: an idle one still usable, or a new one.
    private func acquire() async throws -> (Connection, reused: Bool) {
        while true {
            switch try await lease() {
            case .idle(let connection):
                if await connection.transport.isReusable { return (connection, true) }
                await discard(connection)  // closed by the server while idle
            case .new:
                do {
                    return (try await connect(), false)
                } catch {
                    release()
                    throw error
                }
            }
        }
    }

    private func lease() async throws -> Slot {
        guard !isShutDown else { throw Self.shutDownError }
        if let connection = idle.popLast() {
            idleTimers.removeValue(forKey: connection.id)?.cancel()
            return .idle(connection)
        }
        if open < maxConnections {
            open += 1
            mostOpen = max(mostOpen, open)
            return .new
        }
        guard waiters.count < Self.maxWaiting else {
            throw SMTPError(kind: .connection, message: "\(Self.maxWaiting) messages are already waiting for a connection to \(server.endpoint); try again later")
        }
        nextID += 1
        let id = nextID
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                } else {
                    waiters.append(Waiter(id: id, continuation: continuation))
                }
            }
        } onCancel: {
            Task { await self.cancelWaiting(id) }
        }
    }

    private func cancelWaiting(_ id: Int) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }  // already served
        waiters.remove(at: index).continuation.resume(throwing: CancellationError())
    }

    /// Opens, greets, secures and logs in.
    private func connect() async throws -> Connection {
        let tls = try tlsContext()
        connectionsOpened += 1
        nextID += 1
        let id = nextID
        let transport = try await NIOSMTPTransport.connect(to: server, tls: tls, group: group, logger: logger)
        var session = SMTPSession(transport: transport, security: server.security, credentials: server.credentials, clientName: server.clientName)
        session.logger = logger
        let connection = Connection(id: id, transport: transport, session: session)
        do {
            _ = try await session.open()
        } catch {
            await Self.quitAndClose(connection)
            throw error
        }
        return connection
    }

    /// The TLS configuration, made once: loading the system trust store is not cheap.
    private func tlsContext() throws -> NIOSSLContext? {
        if let tls { return tls }
        guard server.security != .none else { return nil }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .fullVerification
        switch server.trustRoots {
        case .system: configuration.trustRoots = .default
        case .pemFile(let path): configuration.trustRoots = .file(path)
        }
        do {
            let context = try NIOSSLContext(configuration: configuration)
            tls = context
            return context
        } catch {
            throw SMTPConnectionErrors.trustRoots(error, server)
        }
    }

    /// After a failed message: a refusal by the server leaves the connection usable once
    /// reset; anything else (a timeout, a closed connection, a broken reply) closes it.
    private func finish(_ connection: Connection, after error: any Error) async {
        if let error = error as? SMTPError, error.kind == .transient || error.kind == .permanent, error.code != 421 {
            if (try? await connection.session.reset()) != nil, await connection.transport.isReusable {
                giveBack(connection)
                return
            }
        }
        await discard(connection)
    }

    /// Puts a connection that ended a message cleanly back: to the first waiter, or idle.
    private func giveBack(_ connection: Connection) {
        if isShutDown {
            open -= 1
            Task { await Self.quitAndClose(connection) }
            return
        }
        if !waiters.isEmpty {
            waiters.removeFirst().continuation.resume(returning: .idle(connection))
            return
        }
        idle.append(connection)
        let timeout = idleTimeout
        idleTimers[connection.id] = Task { [weak self] in
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            await self?.expire(connection.id)
        }
    }

    private func expire(_ id: Int) async {
        guard let index = idle.firstIndex(where: { $0.id == id }) else { return }
        let connection = idle.remove(at: index)
        idleTimers[id] = nil
        open -= 1
        logger.debug("SMTP closing an idle connection")
        await Self.quitAndClose(connection)
    }

    /// Closes a connection that will not be reused, and lets the next waiter open one.
    private func discard(_ connection: Connection) async {
        release()
        await connection.transport.close()
    }

    /// One connection fewer: the first waiter may open a new one.
    private func release() {
        open -= 1
        guard !waiters.isEmpty, !isShutDown else { return }
        open += 1
        mostOpen = max(mostOpen, open)
        waiters.removeFirst().continuation.resume(returning: .new)
    }

    private static func quitAndClose(_ connection: Connection) async {
        await connection.session.quit()
        await connection.transport.close()
    }

    /// Whether an error on a reused connection before MAIL FROM was accepted means the server
    /// dropped it while idle (closed, or said 421 on its way out).
    private static func isStale(_ error: SMTPError) -> Bool {
        error.kind == .connection || error.code == 421
    }

    private static let shutDownError = SMTPError(kind: .connection, message: "The SMTP client was shut down")
}
