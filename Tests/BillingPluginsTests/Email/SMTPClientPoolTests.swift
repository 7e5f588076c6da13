import BilingusTestSupport
import BillingCore
@testable import BillingPlugins
import Testing

/// The SMTP client's connection reuse and its timeouts.
@Suite("SMTPClient pool and timeouts")
struct SMTPClientPoolTests {
    typealias Support = SMTPClientTestSupport

    @Test("Five messages one after the other share one connection")
    func sequentialReuse() async throws {
        let test = try SMTPTestServer.start()
        let client = SMTPClient(logger: Support.logger())
        let server = Support.server(test)
        let recipients = (0..<5).map { _ in Support.address() }
        for recipient in recipients {
            _ = try await client.send(from: "billing@example.com", to: [recipient], data: Support.message(to: recipient), via: server)
        }
        let opened = await client.connectionsOpened
        await client.shutdown()
        #expect(opened == 1)
        for recipient in recipients { #expect(try test.messages(to: recipient).count == 1) }
    }

    @Test("Four messages at once with at most two connections: never more than two open, all delivered")
    func concurrentBound() async throws {
        let test = try SMTPTestServer.start()
        let client = SMTPClient(logger: Support.logger(), maxConnectionsPerServer: 2)
        let server = Support.server(test)
        let recipients = (0..<4).map { _ in Support.address() }
        let accepted = try await withThrowingTaskGroup(of: [String].self) { group in
            for recipient in recipients {
                group.addTask {
                    try await client.send(from: "billing@example.com", to: [recipient], data: Support.message(to: recipient), via: server).accepted
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let most = await client.mostOpenConnections(to: server)
        let opened = await client.connectionsOpened
        await client.shutdown()
        #expect(accepted.sorted() == recipients.sorted())
        #expect(most >= 1 && most <= 2)
        #expect(opened <= 2)
        for recipient in recipients { #expect(try test.messages(to: recipient).count == 1) }
    }

    @Test("Different settings (another port, security) get their own pools")
    func poolPerServer() async throws {
        let test = try SMTPTestServer.start()
        let client = SMTPClient(logger: Support.logger())
        let recipient = Support.address()
        for security in [SMTPSession.Security.startTLS, .implicitTLS, .startTLS] {
            _ = try await client.send(from: "billing@example.com", to: [recipient], data: Support.message(to: recipient), via: Support.server(test, security: security))
        }
        let opened = await client.connectionsOpened
        await client.shutdown()
        #expect(opened == 2)
        #expect(try test.messages(to: recipient).count == 3)
    }

    @Test("A server that accepts and never greets: a connection error naming the greeting, after the command timeout")
    func greetingTimeout() async throws {
        let listener = try await Support.silentListener()
        let client = SMTPClient(logger: Support.logger())
        let server = SMTPServer(host: "127.0.0.1", port: listener.port, security: .none, commandTimeout: .milliseconds(300))
        let error = await #expect(throws: SMTPError.self) {
            try await client.send(from: "a@example.com", to: ["b@example.com"], data: Array("x".utf8), via: server)
        }
        await client.shutdown()
        try await listener.channel.close()
        #expect(error?.kind == .connection)
        #expect(error?.message == "Timed out after 0.3 s waiting for the greeting from 127.0.0.1:\(listener.port) (the command timeout); the connection was closed")
    }

    @Test("A pooled connection the server dropped at MAIL FROM (421, closed) is replaced once, and the message sent")
    func staleConnectionRetried() async throws {
        let fake = try await FakeSMTPServer.start { connection, message, moment in
            connection == 0 && message == 1 && moment == .mailFrom ? .replyAndClose("421 4.4.2 idle too long, closing") : nil
        }
        let client = SMTPClient(logger: Support.logger())
        let server = SMTPServer(host: "127.0.0.1", port: fake.port, security: .none, commandTimeout: .seconds(5))
        for _ in 0..<2 {
            let delivery = try await client.send(from: "a@example.com", to: ["b@example.com"], data: Array("Subject: x\r\n\r\nbody\r\n".utf8), via: server)
            #expect(delivery.accepted == ["b@example.com"])
        }
        let opened = await client.connectionsOpened
        await client.shutdown()
        try await fake.stop()
        #expect(opened == 2)
        #expect(fake.messagesReceived == 2)
    }

    @Test("A connection lost after DATA began is not retried: the message could arrive twice")
    func noRetryAfterData() async throws {
        let fake = try await FakeSMTPServer.start { connection, message, moment in
            connection == 0 && message == 1 && moment == .endOfData ? .close : nil
        }
        let client = SMTPClient(logger: Support.logger())
        let server = SMTPServer(host: "127.0.0.1", port: fake.port, security: .none, commandTimeout: .seconds(5))
        _ = try await client.send(from: "a@example.com", to: ["b@example.com"], data: Array("one".utf8), via: server)
        let error = await #expect(throws: SMTPError.self) {
            try await client.send(from: "a@example.com", to: ["b@example.com"], data: Array("two".utf8), via: server)
        }
        let opened = await client.connectionsOpened
        await client.shutdown()
        try await fake.stop()
        #expect(error?.kind == .connection)
        #expect(error?.message.contains("end of DATA") == true, "\(String(describing: error))")
        #expect(opened == 1)
        #expect(fake.messagesReceived == 2)
    }

    @Test("An idle connection is closed with QUIT after the idle timeout; the next message opens a new one", .timeLimit(.minutes(1)))
    func idleTimeout() async throws {
        let fake = try await FakeSMTPServer.start()
        let client = SMTPClient(logger: Support.logger(), idleTimeout: .milliseconds(100))
        let server = SMTPServer(host: "127.0.0.1", port: fake.port, security: .none, commandTimeout: .seconds(5))
        _ = try await client.send(from: "a@example.com", to: ["b@example.com"], data: Array("one".utf8), via: server)
        for await event in fake.events where event == .quit { break }
        _ = try await client.send(from: "a@example.com", to: ["b@example.com"], data: Array("two".utf8), via: server)
        let opened = await client.connectionsOpened
        await client.shutdown()
        try await fake.stop()
        #expect(opened == 2)
    }

    @Test("Shutdown says QUIT on idle connections", .timeLimit(.minutes(1)))
    func shutdownQuits() async throws {
        let fake = try await FakeSMTPServer.start()
        let client = SMTPClient(logger: Support.logger())
        let server = SMTPServer(host: "127.0.0.1", port: fake.port, security: .none, commandTimeout: .seconds(5))
        _ = try await client.send(from: "a@example.com", to: ["b@example.com"], data: Array("one".utf8), via: server)
        await client.shutdown()
        var events = fake.events.makeAsyncIterator()
        let event = await events.next()
        try await fake.stop()
        #expect(event == .quit)
    }

    @Test("A sender cancelled while it waits for a connection leaves the line; the pool still serves the next", .timeLimit(.minutes(1)))
    func cancelledWaiter() async throws {
        let fake = try await FakeSMTPServer.start { connection, message, moment in
            connection == 0 && message == 0 && moment == .endOfData ? .hold : nil
        }
        let client = SMTPClient(logger: Support.logger(), maxConnectionsPerServer: 1)
        let server = SMTPServer(host: "127.0.0.1", port: fake.port, security: .none, commandTimeout: .seconds(30))
        let data = Array("x".utf8)
        let first = Task { try await client.send(from: "a@example.com", to: ["b@example.com"], data: data, via: server) }
        for await event in fake.events where event == .held { break }
        let waiting = Task { try await client.send(from: "a@example.com", to: ["c@example.com"], data: data, via: server) }
        while await client.waitingSenders(for: server) == 0 { await Task.yield() }
        waiting.cancel()
        let cancelled = await #expect(throws: CancellationError.self) { try await waiting.value }
        #expect(cancelled != nil)
        #expect(await client.waitingSenders(for: server) == 0)
        fake.releaseHeld()
        let firstDelivery = try await first.value
        let next = try await client.send(from: "a@example.com", to: ["d@example.com"], data: data, via: server)
        let opened = await client.connectionsOpened
        await client.shutdown()
        try await fake.stop()
        #expect(firstDelivery.accepted == ["b@example.com"] && next.accepted == ["d@example.com"])
        #expect(opened == 1)
        #expect(fake.messagesReceived == 2)
    }

    @Test("Bytes after the 220 to STARTTLS (a whole reply, or part of one) are refused, not read as if they came through TLS", arguments: ["220 2.0.0 ready\r\n250 2.0.0 injected", "220 2.0.0 ready\r\n250 inj"])
    func startTLSInjection(reply: String) async throws {
        let fake = try await FakeSMTPServer.start { _, _, moment in moment == .startTLS ? .reply(reply) : nil }
        let client = SMTPClient(logger: Support.logger())
        let server = SMTPServer(host: "127.0.0.1", port: fake.port, security: .startTLS, commandTimeout: .seconds(5))
        let error = await #expect(throws: SMTPError.self) {
            try await client.send(from: "a@example.com", to: ["b@example.com"], data: Array("x".utf8), via: server)
        }
        await client.shutdown()
        try await fake.stop()
        #expect(error?.kind == .protocolViolation)
        #expect(error?.message.contains("could be injected") == true, "\(String(describing: error))")
        #expect(fake.messagesReceived == 0)
    }

    @Test("A host name that does not resolve: a connection error saying so")
    func unknownHost() async throws {
        let client = SMTPClient(logger: Support.logger())
        let server = SMTPServer(host: "no-such-host.invalid", port: 587, connectTimeout: .seconds(5))
        let error = await #expect(throws: SMTPError.self) {
            try await client.send(from: "a@example.com", to: ["b@example.com"], data: Array("x".utf8), via: server)
        }
        await client.shutdown()
        #expect(error?.kind == .connection)
        #expect(error?.message.hasPrefix("Could not resolve the SMTP host 'no-such-host.invalid'") == true, "\(String(describing: error))")
    }
}
