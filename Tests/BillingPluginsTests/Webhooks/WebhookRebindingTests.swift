import BillingCore
@testable import BillingPlugins
import BillingStore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// The SSRF guard runs again before every attempt: a name that resolved to a public address
/// when the endpoint was created and to a private one later (DNS rebinding) is not called.
@Suite("Webhooks: DNS rebinding")
struct WebhookRebindingTests {
    @Test("A host that resolves to a private address at delivery is refused then: the attempt fails with nothing sent")
    func rebindingRefusedAtDelivery() async throws {
        let lookups = Mutex(0)
        // The first lookup (at creation) answers a public address, every later one 10.0.0.7.
        let resolver = WebhookHostResolver { _ in
            let count = lookups.withLock { value -> Int in
                value += 1
                return value
            }
            return [WebhookIPAddress(count == 1 ? "93.184.216.34" : "10.0.0.7")!]
        }
        let store = InMemoryEventStore()
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let bus = EventBus(store: store, logger: logger)
        var subscriptionSettings = SubscriptionDispatcher.Configuration()
        subscriptionSettings.pollInterval = .milliseconds(20)
        let subscriptions = SubscriptionDispatcher(store: store, bus: bus, configuration: subscriptionSettings, logger: logger)
        let webhooks = try WebhookService(
            configuration: WebhookConfiguration(schedule: try WebhookRetrySchedule(delays: [.seconds(3600)], jitter: 0), pollInterval: .milliseconds(20)),
            storage: store, publisher: bus, subscriptions: subscriptions, sealer: AESGCMSecretSealer(key: try SealingKey.generate(id: "k")), logger: logger,
            metricsFactory: nil, clock: SystemClock(), wallClock: .system, resolver: resolver
        )
        let group = ServiceGroup(services: [bus, subscriptions, webhooks], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let created = try await webhooks.createEndpoint(.init(url: "https://rebind.example/hook", eventPatterns: ["*"]), for: .tenant("acme"))
            // The fan-out subscription starts at the store's end: wait until it is registered.
            for _ in 0..<1000 where try await !subscriptions.statuses().contains(where: { $0.name == WebhookService.fanOutSubscription }) {
                try await Task.sleep(for: .milliseconds(10))
            }
            let stored = try await bus.publish(BillingEvent(type: try BillingEventType("shipment.sent"), payload: [:], tenantId: "acme"))
            let id = WebhookService.messageId(eventId: stored.event.id, endpointId: created.endpoint.id)
            var attempts: [WebhookAttemptRecord] = []
            for _ in 0..<1000 where attempts.isEmpty {
                try await Task.sleep(for: .milliseconds(10))
                attempts = try await webhooks.attempts(messageId: id)
            }
            try #require(attempts.count == 1)
            #expect(attempts[0].statusCode == nil)
            let error = attempts[0].error ?? ""
            #expect(error.hasPrefix("Not sent:") && error.contains("10.0.0.7"), "\(error)")
            let message = try await webhooks.message(id: id)
            #expect(message.status == .pending, "retried on the schedule, as any failure")
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(lookups.withLock { $0 } == 2, "resolved at creation and again at the attempt")
    }
}
