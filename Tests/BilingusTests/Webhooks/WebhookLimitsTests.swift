import BilingusTestSupport
import Bilingus
import Foundation
import Synchronization
import Testing

/// Rate limits and isolation from the rest of the engine.
@Suite("Webhooks: rate limits and isolation")
struct WebhookLimitsTests {
    @Test("An endpoint limited to 5 requests a second never gets more in any second")
    func rateLimited() async throws {
        let receiver = try WebhookTestReceiver.start()
        try await BillingEngine.withEngine(try WebhookWorld.configuration(), storage: .inMemory, logger: quietLogger) { engine in
            let created = try await engine.webhooks.createEndpoint(
                .init(url: "", eventPatterns: ["*"], rateLimitPerSecond: 5), for: .tenant("acme"), receiver)
            let events = try (0..<12).map { try WebhookWorld.invoice("rl-\($0)", tenant: "acme") }
            try await engine.events.publish(events)
            for event in events {
                #expect(try await WebhookWorld.settled(engine, WebhookWorld.messageId(event, created.endpoint))?.status == .succeeded)
            }
            let times = try await receiver.attempts(created.receiverEndpoint).map(\.receivedAt).sorted()
            try #require(times.count == 12)
            // Starts 5 apart are at least a second apart (less a little for the two clocks' jitter).
            for index in 0..<(times.count - 5) {
                let gap = times[index + 5].timeIntervalSince(times[index])
                #expect(gap >= 0.9, "requests \(index) and \(index + 5) were \(gap) s apart")
            }
        }
    }

    @Test("Webhooks to an endpoint that times out never hold up another durable subscription")
    func otherSubscriptionsNotStarved() async throws {
        let receiver = try WebhookTestReceiver.start()
        let configuration = try WebhookWorld.configuration(timeout: .seconds(2))
        try await BillingEngine.withEngine(configuration, storage: .inMemory, logger: quietLogger) { engine in
            let slow = try await engine.webhooks.createEndpoint(
                .init(url: "", eventPatterns: ["invoice.*"]), for: .tenant("acme"), receiver, faults: Array(repeating: .delay(seconds: 3), count: 90))
            let handled = Counted()
            try await engine.subscriptions.subscribe("ledger", to: ["shipment.*"]) { _ in handled.add() }
            // First the webhooks are queued and their requests hang...
            try await engine.events.publish(try (0..<30).map { try WebhookWorld.invoice("ns-\($0)", tenant: "acme") })
            let queued = try await WebhookWorld.eventually { try await engine.webhooks.messages(endpointId: slow.endpoint.id).count == 30 }
            #expect(queued)
            // ...then the ledger's events go through at once.
            let started = ContinuousClock.now
            try await engine.events.publish(try (0..<30).map { try WebhookWorld.shipment("ns-\($0)", tenant: "acme") })
            let caughtUp = try await WebhookWorld.eventually(within: .seconds(10)) { handled.value == 30 }
            let elapsed = ContinuousClock.now - started
            #expect(caughtUp)
            #expect(elapsed < .seconds(2), "the ledger took \(elapsed) beside 30 webhooks that each time out after 2 s")
            let pending = try await engine.webhooks.messages(endpointId: slow.endpoint.id, status: .pending)
            #expect(pending.count >= 20, "the webhooks were still being attempted meanwhile (\(pending.count) pending)")
        }
    }
}

/// A counter handlers can bump from any task.
final class Counted: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
