import BilingusTestSupport
import Bilingus
@testable import BillingPlugins
import Foundation
import Testing

/// Outgoing webhooks end to end: a real engine delivers to the webhook test receiver
/// (Tests/Servers/webhooks), which verifies every request with the PyPI `standardwebhooks`
/// library and logs it.
@Suite("Webhooks: delivery to a real receiver")
struct WebhookDeliveryTests {
    @Test("A matching event is delivered once, signed, with the canonical body and a stable webhook-id")
    func delivered() async throws {
        let receiver = try WebhookTestReceiver.start()
        try await BillingEngine.withEngine(try WebhookWorld.configuration(), storage: .inMemory, logger: quietLogger) { engine in
            let created = try await engine.webhooks.createEndpoint(.init(url: "placeholder", eventPatterns: ["invoice.*"]), for: .tenant("acme"), receiver)
            let event = try WebhookWorld.invoice("inv-1", tenant: "acme")
            try await engine.events.publish(event)
            let id = WebhookWorld.messageId(event, created.endpoint)
            let message = try #require(try await WebhookWorld.settled(engine, id))
            #expect(message.status == .succeeded)
            #expect(message.attempts == 1)
            let attempts = try await receiver.attempts(created.receiverEndpoint)
            try #require(attempts.count == 1)
            #expect(attempts[0].verified, "the receiver's standardwebhooks verified it: \(attempts[0].verifyError ?? "")")
            #expect(attempts[0].id == id)
            #expect(attempts[0].body == WebhookPayload.body(for: try #require(try await engine.storage.event(id: event.id))))
            let log = try await engine.webhooks.attempts(messageId: id)
            #expect(log.map(\.statusCode) == [200])
        }
    }

    @Test("A failure, then success: the same webhook-id, a new timestamp, on the schedule's first delay")
    func failureThenSuccess() async throws {
        let receiver = try WebhookTestReceiver.start()
        let time = JumpingWallClock()
        let configuration = try WebhookWorld.configuration(schedule: try WebhookRetrySchedule(delays: [.seconds(5), .seconds(300)], jitter: 0))
        try await BillingEngine.withEngine(configuration, storage: .inMemory, logger: quietLogger, wallClock: time.wallClock) { engine in
            let created = try await engine.webhooks.createEndpoint(.init(url: "", eventPatterns: ["*"]), for: .tenant("acme"), receiver, faults: [.status(500)])
            let event = try WebhookWorld.invoice("inv-2", tenant: "acme")
            try await engine.events.publish(event)
            let id = WebhookWorld.messageId(event, created.endpoint)
            let retrying = try await WebhookWorld.eventually { (try? await engine.webhooks.message(id: id))?.lastStatusCode == 500 }
            #expect(retrying)
            let pending = try await engine.webhooks.message(id: id)
            #expect(pending.status == .pending)
            let due = try #require(pending.nextAttemptAt)
            #expect(abs(due.timeIntervalSince(pending.updatedAt) - 5) < 0.5, "due 5 s after the failure")
            time.jump(by: 6)
            let message = try #require(try await WebhookWorld.settled(engine, id))
            #expect(message.status == .succeeded)
            let attempts = try await receiver.attempts(created.receiverEndpoint)
            try #require(attempts.count == 2)
            #expect(attempts.allSatisfy { $0.verified })
            #expect(attempts[0].id == attempts[1].id)
            let stamps = attempts.compactMap { $0.timestamp.flatMap(Int.init) }
            #expect(stamps.count == 2 && stamps[1] - stamps[0] >= 5, "a new timestamp at the retry: \(stamps)")
            #expect(try await engine.webhooks.attempts(messageId: id).map(\.statusCode) == [500, 200])
            let endpointLog = try await engine.webhooks.attempts(endpointId: created.endpoint.id)
            #expect(endpointLog.map(\.statusCode) == [200, 500], "the endpoint's log, newest first")
            let older = try await engine.webhooks.attempts(endpointId: created.endpoint.id, before: endpointLog[0].position, limit: 5)
            #expect(older.map(\.statusCode) == [500], "the page before the newest")
        }
    }

    @Test("Every attempt failing exhausts the schedule: the message is failed, each attempt logged with its answer")
    func exhausted() async throws {
        let receiver = try WebhookTestReceiver.start()
        try await BillingEngine.withEngine(try WebhookWorld.configuration(), storage: .inMemory, logger: quietLogger) { engine in
            let created = try await engine.webhooks.createEndpoint(
                .init(url: "", eventPatterns: ["*"]), for: .tenant("acme"), receiver, faults: [.status(500), .status(503), .redirect(to: "http://127.0.0.1:1/")])
            let event = try WebhookWorld.invoice("inv-3", tenant: "acme")
            try await engine.events.publish(event)
            let message = try #require(try await WebhookWorld.settled(engine, WebhookWorld.messageId(event, created.endpoint)))
            #expect(message.status == .failed)
            #expect(message.attempts == 3)
            let log = try await engine.webhooks.attempts(messageId: message.id)
            #expect(log.map(\.statusCode) == [500, 503, 302], "a redirect is a failure, never followed")
            #expect(log.map(\.attempt) == [1, 2, 3])
            #expect(try await receiver.attempts(created.receiverEndpoint).count == 3)
            #expect(try await engine.webhooks.messages(endpointId: created.endpoint.id, status: .failed).map(\.id) == [message.id])
        }
    }

    @Test("410 Gone disables the endpoint and publishes webhook.endpoint.disabled; later events are not sent to it")
    func goneDisables() async throws {
        let receiver = try WebhookTestReceiver.start()
        try await BillingEngine.withEngine(try WebhookWorld.configuration(), storage: .inMemory, logger: quietLogger) { engine in
            let created = try await engine.webhooks.createEndpoint(.init(url: "", eventPatterns: ["invoice.*"]), for: .tenant("acme"), receiver, faults: [.status(410)])
            let event = try WebhookWorld.invoice("inv-4", tenant: "acme")
            try await engine.events.publish(event)
            let message = try #require(try await WebhookWorld.settled(engine, WebhookWorld.messageId(event, created.endpoint)))
            #expect(message.status == .failed)
            #expect(message.attempts == 1)
            let disabled = try await WebhookWorld.eventually { try await !engine.webhooks.endpoint(id: created.endpoint.id).isActive }
            #expect(disabled)
            #expect(try await engine.webhooks.endpoint(id: created.endpoint.id).disabledReason?.contains("410") == true)
            let announced = try await engine.storage.events(ofType: WebhookEndpointDisabled.eventType, tenant: "acme")
            #expect(announced.count == 1)
            #expect(try announced.first?.decodePayload(as: WebhookEndpointDisabled.self).cause == "gone")

            try await engine.events.publish(try WebhookWorld.invoice("inv-5", tenant: "acme"))
            #expect(try await WebhookWorld.fannedOut(engine))
            #expect(try await engine.webhooks.messages(endpointId: created.endpoint.id).count == 1, "no message for a disabled endpoint")
            #expect(try await receiver.attempts(created.receiverEndpoint).count == 1)
        }
    }

    @Test("A tenant's endpoint gets only its tenant's events of its patterns; a host-wide one, asked for, gets every tenant's")
    func tenantsAndFilters() async throws {
        let receiver = try WebhookTestReceiver.start()
        try await BillingEngine.withEngine(try WebhookWorld.configuration(), storage: .inMemory, logger: quietLogger) { engine in
            let a = try await engine.webhooks.createEndpoint(.init(url: "", eventPatterns: ["invoice.*"]), for: .tenant("a"), receiver)
            let b = try await engine.webhooks.createEndpoint(.init(url: "", eventPatterns: ["*"]), for: .tenant("b"), receiver)
            let host = try await engine.webhooks.createEndpoint(.init(url: "", eventPatterns: ["shipment.*"]), for: .hostWide, receiver)
            let events = [
                try WebhookWorld.invoice("i-a", tenant: "a"), try WebhookWorld.invoice("i-b", tenant: "b"), try WebhookWorld.shipment("s-a", tenant: "a"),
                try WebhookWorld.shipment("s-none", tenant: nil),
            ]
            try await engine.events.publish(events)
            let expected: [(WebhookService.CreatedForTest, [BillingEvent])] = [(a, [events[0]]), (b, [events[1]]), (host, [events[2], events[3]])]
            for (endpoint, wanted) in expected {
                for event in wanted {
                    let message = try await WebhookWorld.settled(engine, WebhookWorld.messageId(event, endpoint.endpoint))
                    #expect(message?.status == .succeeded)
                }
            }
            #expect(try await WebhookWorld.fannedOut(engine))
            for (endpoint, wanted) in expected {
                let wantedIds = Set(wanted.map { WebhookWorld.messageId($0, endpoint.endpoint) })
                #expect(Set(try await engine.webhooks.messages(endpointId: endpoint.endpoint.id).map(\.id)) == wantedIds)
                let ids = Set(try await receiver.attempts(endpoint.receiverEndpoint).compactMap(\.id))
                #expect(ids == wantedIds)
            }
            #expect(try await engine.webhooks.endpoints(tenant: "a").map(\.id) == [a.endpoint.id])
            #expect(try await engine.webhooks.endpoints(tenant: .untenanted).map(\.id) == [host.endpoint.id])
        }
    }

    @Test("One endpoint that times out does not hold up another's deliveries")
    func slowEndpointDoesNotDelayOthers() async throws {
        let receiver = try WebhookTestReceiver.start()
        let configuration = try WebhookWorld.configuration(timeout: .seconds(2)) { $0.maxConcurrentRequestsPerEndpoint = 2 }
        try await BillingEngine.withEngine(configuration, storage: .inMemory, logger: quietLogger) { engine in
            let slow = try await engine.webhooks.createEndpoint(
                .init(url: "", eventPatterns: ["*"]), for: .tenant("slow"), receiver, faults: Array(repeating: .delay(seconds: 3), count: 30))
            let fast = try await engine.webhooks.createEndpoint(.init(url: "", eventPatterns: ["*"]), for: .tenant("fast"), receiver)
            var slowEvents: [BillingEvent] = []
            var fastEvents: [BillingEvent] = []
            for index in 0..<10 {
                slowEvents.append(try WebhookWorld.invoice("slow-\(index)", tenant: "slow"))
                fastEvents.append(try WebhookWorld.invoice("fast-\(index)", tenant: "fast"))
            }
            // The slow endpoint's events go first.
            try await engine.events.publish(slowEvents)
            try await engine.events.publish(fastEvents)
            let started = ContinuousClock.now
            for event in fastEvents {
                let message = try await WebhookWorld.settled(engine, WebhookWorld.messageId(event, fast.endpoint))
                #expect(message?.status == .succeeded)
            }
            let elapsed = ContinuousClock.now - started
            let slowMessages = try await engine.webhooks.messages(endpointId: slow.endpoint.id)
            #expect(slowMessages.filter { $0.lastStatusCode == nil && $0.lastError == nil }.count >= 6, "most slow messages were not even attempted yet")
            #expect(elapsed < .seconds(5), "10 fast deliveries took \(elapsed) beside 2 slow requests at a time (each times out after 2 s)")
        }
    }
}
