@testable import BillingCore
import BillingStore
import BillingTesting
import Foundation
import Testing

@Suite("Plugin deliveries: directives, failed results and quarantine")
struct PluginDeliveryTests {
    let invoice = InvoiceSnapshot(
        id: "inv-1", userId: "u-1", status: "open",
        subtotal: Money(minorUnits: 100, currency: .usd), tax: .zero(.usd), total: Money(minorUnits: 100, currency: .usd)
    )

    func world(maxAttempts: Int, failureThreshold: Int) -> PluginWorld {
        PluginWorld(configuration: .init(
            callTimeout: .seconds(5), initializeTimeout: .seconds(5), failureThreshold: failureThreshold, quarantineDuration: .seconds(30),
            healthCheckInterval: .seconds(3600), drainTimeout: .seconds(20),
            delivery: DurableSubscriptionOptions(retry: RetryPolicy(maxAttempts: maxAttempts, initialDelay: .seconds(1), jitter: 0), deliveryTimeout: .seconds(60))
        ))
    }

    @Test("A DeliveryError thrown by a plugin steers its subscription: giveUp dead-letters at once, reason redacted")
    func giveUpFromPlugin() async throws {
        let world = world(maxAttempts: 5, failureThreshold: 10)
        let notifications = MockNotificationPlugin(eventPatterns: ["invoice.*"])
        notifications.lifecycle.execute.setDefault(.error(DeliveryError.giveUp(reason: "template broken; key sk_live_42")))
        try world.manager.register { notifications }
        try await world.running {
            try await world.manager.loadPlugin(MockNotificationPlugin.name, settings: ["apiKey": .secret("sk_live_42")])
            try await world.bus.publish(InvoiceGenerated(invoice: invoice))
            try await world.settle { try await world.dispatcher.deadLetters().count == 1 }
        }
        let letter = try #require(try await world.dispatcher.deadLetters().first)
        #expect(letter.attempts == 1)
        #expect(letter.lastError == "gave up: template broken; key ***")
        #expect(notifications.lifecycle.execute.calls.count == 1)
    }

    @Test("A failed result counts as a failed call and opens the circuit breaker")
    func failedResultsOpenTheBreaker() async throws {
        let world = world(maxAttempts: 10, failureThreshold: 3)
        let notifications = MockNotificationPlugin(eventPatterns: ["invoice.*"])
        notifications.lifecycle.execute.setDefault(.value(.failure(message: "SMTP server unavailable")))
        try world.manager.register { notifications }
        try await world.running {
            try await world.manager.loadPlugin(MockNotificationPlugin.name)
            try await world.bus.publish(InvoiceGenerated(invoice: invoice))
            try await world.advanceTimers(within: .seconds(2)) { try await world.installed(MockNotificationPlugin.name)?.status == .quarantined }
            let listed = try #require(try await world.installed(MockNotificationPlugin.name))
            #expect(listed.counters.failed == 3)
            #expect(listed.counters.succeeded == 0)
            #expect(listed.lastError == "Plugin 'mock-notification' could not handle the event: SMTP server unavailable")
        }
        let subscription = [("subscription", PluginManager.subscriptionName(of: MockNotificationPlugin.name))]
        #expect(try world.metrics.expectCounter("billing.delivery.failed", subscription).totalValue == 3)
    }

    @Test("Events wait while their plugin is quarantined, without using up delivery attempts")
    func quarantineDoesNotUseAttempts() async throws {
        // Two attempts, and a breaker that opens on the first failure: before, the second
        // attempt was refused during the quarantine and the event was dead-lettered.
        let world = world(maxAttempts: 2, failureThreshold: 1)
        let notifications = MockNotificationPlugin(eventPatterns: ["invoice.*"])
        notifications.lifecycle.execute.enqueue(.error(MockPluginError("backend down")))
        try world.manager.register { notifications }
        try await world.running {
            try await world.manager.loadPlugin(MockNotificationPlugin.name)
            try await world.bus.publish(InvoiceGenerated(invoice: invoice))
            await world.advanceTimers(within: .seconds(30)) { notifications.lifecycle.execute.calls.count == 2 }
            try await world.settle { try await world.dispatcher.status(of: PluginManager.subscriptionName(of: MockNotificationPlugin.name)).lag == 0 }
            let listed = try #require(try await world.installed(MockNotificationPlugin.name))
            #expect(listed.status == .active)
            #expect(listed.counters.rejected >= 1, "deliveries were refused during the quarantine")
        }
        #expect(try await world.dispatcher.deadLetters().isEmpty)
        #expect(world.clock.elapsed >= .seconds(30), "the second attempt came after the quarantine")
    }

    @Test("A persisted plugin loaded at start in a newer version updates its record, keeping when it was installed")
    func upgradedPluginRecord() async throws {
        let store = InMemoryEventStore()
        let installedAt = Date(timeIntervalSince1970: 1_700_000_000)
        try await store.savePluginRecord(PluginRecord(
            id: "p-1", name: "mock-tax", version: "0.9.0", description: "old", author: "old", isActive: true,
            settings: SealedSettings(json: ["region": ["value": "eu"]]), createdAt: installedAt, updatedAt: installedAt
        ))
        let world = PluginWorld(store: store)
        try world.manager.register { MockTaxPlugin() }
        #expect(try await world.manager.loadPersistedPlugins().isEmpty)
        let record = try #require(try await store.pluginRecords().first)
        #expect(record.version == "1.0.0-mock")
        #expect(record.id == "p-1")
        #expect(record.createdAt == installedAt)
        #expect(record.settings == SealedSettings(json: ["region": ["value": "eu"]]))
        #expect(record.isActive)
    }

    @Test("A plugin reactivated by a health check is on probation: its next failure quarantines it again at once")
    func probationAfterHealthCheck() async throws {
        let world = world(maxAttempts: 10, failureThreshold: 3)
        let tax = MockTaxPlugin()  // its health check says healthy whatever the backend does
        tax.lifecycle.execute.setDefault(.error(MockPluginError("backend down")))
        try world.manager.register { tax }
        let name = MockTaxPlugin.name
        try await world.manager.loadPlugin(name)
        let context = BillingContext(eventType: .invoiceGenerated)
        for _ in 0..<3 { _ = try await world.manager.execute(name, context: context) }
        #expect(try await world.installed(name)?.status == .quarantined)

        world.clock.advance(by: .seconds(30))
        await world.manager.checkHealth()
        #expect(try await world.installed(name)?.status == .active)
        _ = try await world.manager.execute(name, context: context)
        #expect(try await world.installed(name)?.status == .quarantined, "one failure on probation is enough")

        // A call that works ends the probation: it takes the threshold again.
        world.clock.advance(by: .seconds(30))
        tax.lifecycle.execute.setDefault(.value(.success()))
        #expect(try await world.manager.execute(name, context: context).success)
        tax.lifecycle.execute.setDefault(.error(MockPluginError("backend down")))
        for _ in 0..<2 { _ = try await world.manager.execute(name, context: context) }
        #expect(try await world.installed(name)?.status == .active)
        _ = try await world.manager.execute(name, context: context)
        #expect(try await world.installed(name)?.status == .quarantined)
    }
}
