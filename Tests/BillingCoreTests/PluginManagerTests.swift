@testable import BillingCore
import BillingStore
import BillingTesting
import Foundation
import Logging
import MetricsTestKit
import Testing

@Suite("Plugin manager")
struct PluginManagerTests {
    @Test("A payment plugin receives payment.initiated through its durable subscription and publishes the outcome")
    func paymentFlow() async throws {
        let world = PluginWorld()
        let payments = MockPaymentPlugin()
        try world.manager.register { payments }
        try await world.running {
            try await world.manager.loadPlugin(MockPaymentPlugin.name, settings: ["mode": "test", "apiKey": .secret("sk_test_123")])
            #expect(payments.lifecycle.initializeCount == 1)
            #expect(try payments.lifecycle.config?.settings.secret("apiKey").reveal() == "sk_test_123")
            #expect(payments.lifecycle.config?.logger[metadataKey: LogKeys.plugin] == "mock-payment")

            let initiated = try await world.bus.publish(PaymentInitiated(payment: samplePayment, paymentMethodId: "pm_1"), tenantId: "acme").event
            let completed = try await world.recorder.expect(.paymentCompleted, within: .seconds(5))
            #expect(completed.causationId == initiated.id)
            #expect(completed.tenantId == "acme")
            #expect(try completed.decodePayload(as: PaymentCompleted.self).payment.status == "succeeded")
            #expect(payments.process.calls.map(\.idempotencyKey) == ["payment-\(initiated.id)"])

            var declined = samplePayment
            declined.id = "pay-2"
            payments.process.enqueue(.value(.declined(paymentId: "pay-2")))
            try await world.bus.publish(PaymentInitiated(payment: declined))
            let failed = try await world.recorder.expect(.paymentFailed, within: .seconds(5))
            #expect(try failed.decodePayload(as: PaymentFailed.self).failureCode == "card_declined")
        }
    }

    @Test("Redelivered payment.initiated neither charges nor publishes twice downstream")
    func paymentRedelivery() async throws {
        let payments = MockPaymentPlugin()
        let harness = PluginHarness(plugin: payments)
        try await harness.initialize()
        let first = try await harness.deliver(PaymentInitiated(payment: samplePayment))
        let initiated = try #require(harness.recorder.events(of: .paymentInitiated).first)
        let again = try await harness.redeliver(initiated)
        #expect(first.success && again.success)
        #expect(harness.recorder.events(of: .paymentCompleted).count == 1, "the outcome event is idempotent by the initiating event")
        #expect(Set(payments.process.calls.map(\.idempotencyKey)).count == 1, "the provider sees one idempotency key")
    }

    @Test("Listing shows version, status, health, counters and redacted settings; the stored secret is sealed")
    func listing() async throws {
        let world = PluginWorld()
        try world.manager.register { MockTaxPlugin() }
        try await world.manager.loadPlugin(MockTaxPlugin.name, settings: ["region": "EU", "token": .secret("tok_live_secret")])
        _ = try await world.manager.execute(MockTaxPlugin.name, context: BillingContext(eventType: .invoiceGenerated))
        await world.manager.checkHealth()
        let entry = try #require(try await world.installed(MockTaxPlugin.name))
        #expect(entry.version == "1.0.0-mock")
        #expect(entry.status == .active)
        #expect(entry.health == .healthy)
        #expect(entry.counters.succeeded == 1)
        #expect(entry.settings == ["region": "EU", "token": "***"])
        #expect(!"\(entry)".contains("tok_live_secret"))
        let record = try #require(try await world.store.pluginRecord(named: MockTaxPlugin.name))
        #expect(record.isActive)
        let stored = CanonicalJSON.string(record.settings.json)
        #expect(!stored.contains("tok_live_secret"), "the store never holds the secret in clear")
        #expect(record.settings.json["token"]?["sealed"]?.stringValue?.hasPrefix("bsealed:v1:test:") == true)
        #expect(record.settings.json["region"]?["value"] == "EU")
        #expect(!world.logText.contains("tok_live_secret"))
    }

    @Test("plugin(named:as:) returns the typed plugin; execute isolates errors; unknown names are clear errors")
    func typedAccessAndExecution() async throws {
        let world = PluginWorld()
        let payments = MockPaymentPlugin()
        try world.manager.register { payments }
        try await world.manager.loadPlugin(MockPaymentPlugin.name)
        #expect(world.manager.plugin(named: MockPaymentPlugin.name, as: (any PaymentPlugin).self) != nil)
        #expect(world.manager.plugin(named: MockPaymentPlugin.name, as: MockPaymentPlugin.self) === payments)
        #expect(world.manager.plugin(named: MockPaymentPlugin.name, as: (any TaxPlugin).self) == nil)

        payments.lifecycle.execute.enqueue(.error(MockPluginError("provider exploded")))
        let failed = try await world.manager.execute(MockPaymentPlugin.name, context: BillingContext(eventType: .invoicePaid))
        #expect(!failed.success)
        #expect(failed.error?.contains("provider exploded") == true)

        let refund = try await world.manager.call(MockPaymentPlugin.name, as: (any PaymentPlugin).self) {
            try await $0.refundPayment(RefundRequest(paymentId: "pay-1", idempotencyKey: "r1"))
        }
        #expect(refund.success)
        payments.refund.enqueue(.error(MockPluginError("refund rejected")))
        let refusal = await #expect(throws: BillingError.self) {
            try await world.manager.call(MockPaymentPlugin.name, as: (any PaymentPlugin).self) {
                try await $0.refundPayment(RefundRequest(paymentId: "pay-1", idempotencyKey: "r2"))
            }
        }
        #expect(refusal?.code == .pluginFailure)

        for operation in [
            { _ = try await world.manager.execute("nope", context: BillingContext(eventType: .invoicePaid)) },
            { try await world.manager.unloadPlugin("nope") },
            { try await world.manager.loadPlugin("nope") },
        ] as [@Sendable () async throws -> Void] {
            do {
                try await operation()
                Issue.record("an unknown plugin was accepted")
            } catch let error as BillingError {
                #expect(error.code == .notFound)
                #expect(error.message.contains("nope"))
            }
        }
    }

    @Test("A pipeline runs fraud → tax → payment and stops where a stage does not succeed")
    func pipeline() async throws {
        let world = PluginWorld()
        let fraud = MockFraudPlugin()
        let tax = MockTaxPlugin()
        let payments = MockPaymentPlugin()
        try world.manager.register { fraud }
        try world.manager.register { tax }
        try world.manager.register { payments }
        let names = [MockFraudPlugin.name, MockTaxPlugin.name, MockPaymentPlugin.name]
        for name in names {
            try await world.manager.loadPlugin(name)
        }
        let transaction = TransactionSnapshot(id: "t-1", userId: "u-1", kind: "payment", amount: Money(minorUnits: 999_00, currency: .usd), status: "pending")
        let context = BillingContext(eventType: .transactionCreated, payload: ["transaction": try CanonicalJSON.value(from: transaction)], tenantId: "acme")

        tax.lifecycle.execute.enqueue(.value(.success(["tax": 19])))
        let allowed = try await world.manager.runPipeline(names, context: context)
        #expect(allowed.completed)
        #expect(allowed.stages.map(\.plugin) == names)
        let seenByPayment = try #require(payments.lifecycle.execute.calls.last)
        #expect(seenByPayment.pipelineResults[MockTaxPlugin.name]?.data == ["tax": 19])
        #expect(seenByPayment.tenantId == "acme")
        #expect(seenByPayment.delivery == nil, "a direct call is not a delivery")

        fraud.check.enqueue(.value(FraudResult(decision: .block, score: 97, reasons: ["velocity: 12 payments in 1 minute"])))
        let blocked = try await world.manager.runPipeline(names, context: context)
        #expect(blocked.stoppedAt == MockFraudPlugin.name)
        #expect(blocked.stages.count == 1)
        guard case .stop(let reason, _) = blocked.stages[0].result else {
            Issue.record("a block is a stop")
            return
        }
        #expect(reason.contains("velocity"))
        #expect(payments.lifecycle.execute.calls.count == 1, "the payment stage did not run")
    }

    @Test("A plugin that throws, hangs, or fails to initialize takes down nothing else")
    func isolation() async throws {
        let world = PluginWorld()
        let thrower = MockPaymentPlugin()
        let hanger = MockNotificationPlugin()
        let brokenInit = MockTaxPlugin()
        let hangingInit = MockFraudPlugin()
        let healthy = ListeningPlugin()
        try world.manager.register { thrower }
        try world.manager.register { hanger }
        try world.manager.register { brokenInit }
        try world.manager.register { hangingInit }
        try world.manager.register { healthy }
        brokenInit.lifecycle.initialize.enqueue(.error(MockPluginError("cannot reach the tax service")))
        hangingInit.lifecycle.initialize.enqueue(.hang)
        thrower.process.setDefault(.error(MockPluginError("boom")))
        hanger.lifecycle.execute.setDefault(.hang)

        try await world.running {
            // Initialization failures fail that load only, with a clear error.
            let failure = await #expect(throws: BillingError.self) { try await world.manager.loadPlugin(MockTaxPlugin.name) }
            #expect(failure?.code == .pluginFailure)
            let hangingLoad = Task { try await world.manager.loadPlugin(MockFraudPlugin.name) }
            await world.advanceTimers(within: .seconds(5)) { (try? await world.installed(MockFraudPlugin.name))?.status == .failed }
            await #expect(throws: BillingError.self) { try await hangingLoad.value }
            #expect(try await world.installed(MockTaxPlugin.name)?.status == .failed)
            #expect(try await world.installed(MockTaxPlugin.name)?.lastError?.contains("cannot reach the tax service") == true)

            for name in [MockPaymentPlugin.name, MockNotificationPlugin.name, ListeningPlugin.name] {
                try await world.manager.loadPlugin(name)
            }
            // A hanging call times out on the clock and comes back as a failed result.
            let hanging = Task { try await world.manager.execute(MockNotificationPlugin.name, context: BillingContext(eventType: .invoicePaid)) }
            await world.advanceTimers(within: .seconds(5)) { (try? await world.installed(MockNotificationPlugin.name)?.counters.timedOut) == 1 }
            let timedOut = try await hanging.value
            #expect(!timedOut.success)
            #expect(timedOut.error?.contains("did not finish within") == true)

            // The throwing payment plugin fails its deliveries; the healthy one and the bus carry on.
            try await world.bus.publish(PaymentInitiated(payment: samplePayment))
            try await world.bus.publish(BillingEvent(type: .invoicePaid, payload: .sample(.invoicePaid)))
            try await world.settle { try await world.installed(MockPaymentPlugin.name)?.counters.failed ?? 0 >= 1 }
            await world.settle { healthy.contexts.values.contains { $0.eventType == .invoicePaid } }
            #expect(healthy.contexts.values.first?.delivery?.attempt == 1)
            #expect(try await world.installed(ListeningPlugin.name)?.status == .active)
            let stored = try await world.bus.publish(BillingEvent(type: .userCreated, payload: .sample(.userCreated)))
            #expect(stored.event.sequence != nil)
        }
        hangingInit.lifecycle.initialize.releaseHungCalls()
        hanger.lifecycle.execute.releaseHungCalls()
    }

    @Test("Consecutive failures quarantine a plugin; events wait; a healthy probe brings it back")
    func circuitBreaker() async throws {
        let world = PluginWorld()
        let payments = MockPaymentPlugin()
        try world.manager.register { payments }
        payments.process.setDefault(.error(MockPluginError("provider down")))
        try await world.running {
            try await world.manager.loadPlugin(MockPaymentPlugin.name)
            try await world.bus.publish(PaymentInitiated(payment: samplePayment))
            // Three failed deliveries (1 s apart) open the breaker.
            try await world.advanceTimers(within: .seconds(2)) { try await world.installed(MockPaymentPlugin.name)?.status == .quarantined }
            let quarantined = try #require(try await world.installed(MockPaymentPlugin.name))
            #expect(quarantined.counters.consecutiveFailures == 3)
            #expect(quarantined.lastError?.contains("provider down") == true)
            let refused = try await world.manager.execute(MockPaymentPlugin.name, context: BillingContext(eventType: .invoicePaid))
            #expect(!refused.success)
            #expect(refused.error?.contains("quarantined") == true)
            #expect(try await world.installed(MockPaymentPlugin.name)?.counters.rejected ?? 0 >= 1)
            #expect(payments.process.calls.count == 3, "no call reaches a quarantined plugin")

            // The provider recovers; after the quarantine a health probe reactivates the
            // plugin and the waiting event is delivered.
            payments.process.setDefault(.value(nil))
            world.clock.advance(by: .seconds(30))
            await world.manager.checkHealth()
            #expect(try await world.installed(MockPaymentPlugin.name)?.status == .active)
            await world.advanceTimers(within: .seconds(31)) { world.recorder.events(of: .paymentCompleted).count == 1 }
        }
        // Deliveries are counted once, by the delivery metrics; direct calls by the plugin's.
        let subscription = [("subscription", PluginManager.subscriptionName(of: MockPaymentPlugin.name))]
        #expect(try world.metrics.expectCounter("billing.delivery.failed", subscription).totalValue == 3)
        #expect(try world.metrics.expectCounter("billing.plugin.executions", [("plugin", "mock-payment"), ("outcome", "rejected")]).totalValue == 1)
    }

    @Test("Unloading drains in-flight calls, then shuts down; events wait until it is loaded again")
    func unloadDrains() async throws {
        let world = PluginWorld()
        let notifications = MockNotificationPlugin(eventPatterns: ["invoice.*"])
        try world.manager.register { notifications }
        notifications.lifecycle.execute.enqueue(.delayed(.milliseconds(50), .success()))
        try await world.running {
            try await world.manager.loadPlugin(MockNotificationPlugin.name)
            try await world.bus.publish(BillingEvent(type: .invoiceGenerated, payload: .sample(.invoiceGenerated)))
            await world.settle { notifications.lifecycle.execute.calls.count == 1 }
            try await world.manager.unloadPlugin(MockNotificationPlugin.name)
            #expect(notifications.lifecycle.shutdownCount == 1)
            let subscription = PluginManager.subscriptionName(of: MockNotificationPlugin.name)
            try await world.settle { try await world.dispatcher.status(of: subscription).cursor == 1 }
            #expect(try await world.store.pluginRecords().first?.isActive == false)

            try await world.bus.publish(BillingEvent(type: .invoicePaid, payload: .sample(.invoicePaid)))
            for _ in 0..<1000 { await Task.yield() }
            #expect(notifications.lifecycle.execute.calls.count == 1, "an unloaded plugin receives nothing")
            try await world.manager.loadPlugin(MockNotificationPlugin.name)
            await world.settle { notifications.lifecycle.execute.calls.count == 2 }
            #expect(notifications.lifecycle.execute.calls.last?.eventType == .invoicePaid)
        }
    }

    @Test("Installed plugins are loaded again at start, with their sealed secrets, respecting isActive; uninstall forgets them")
    func persistence() async throws {
        let store = InMemoryEventStore()
        let first = PluginWorld(store: store)
        try first.manager.register { MockPaymentPlugin() }
        try first.manager.register { MockTaxPlugin() }
        try await first.manager.loadPlugin(MockPaymentPlugin.name, settings: ["apiKey": .secret("sk_live_xyz"), "retries": 3])
        try await first.manager.loadPlugin(MockTaxPlugin.name)
        try await first.manager.unloadPlugin(MockTaxPlugin.name)

        let second = PluginWorld(store: store)
        let payments = MockPaymentPlugin()
        try second.manager.register { payments }
        try second.manager.register { MockTaxPlugin() }
        #expect(try await second.manager.loadPersistedPlugins().isEmpty)
        #expect(payments.lifecycle.initializeCount == 1)
        #expect(try payments.lifecycle.config?.settings.int("retries") == 3)
        #expect(try payments.lifecycle.config?.settings.secret("apiKey").reveal() == "sk_live_xyz")
        #expect(try await second.installed(MockPaymentPlugin.name)?.status == .active)
        #expect(try await second.installed(MockTaxPlugin.name)?.status == .inactive)

        try await second.manager.uninstallPlugin(MockPaymentPlugin.name)
        #expect(try await second.installed(MockPaymentPlugin.name) == nil)
        #expect(try await store.pluginRecords().map(\.name) == [MockTaxPlugin.name])
        await #expect(throws: BillingError.self) { try await second.manager.uninstallPlugin(MockPaymentPlugin.name) }
    }

    @Test("A plugin name must be a short lowercase identifier")
    func nameValidation() throws {
        struct Badly: BillingPlugin {
            static let name = "Not Valid!"
            let version = "1", description = "", author = ""
            func initialize(_ config: PluginConfig) async throws {}
            func execute(_ context: BillingContext) async throws -> PluginResult { .success() }
            func shutdown() async throws {}
        }
        let world = PluginWorld()
        #expect(throws: BillingError.self) { try world.manager.register { Badly() } }
        #expect(world.manager.registeredNames.isEmpty)
    }

    @Test("Typed settings: a missing or mistyped key is a clear error naming the key")
    func typedSettings() throws {
        let settings: PluginSettings = ["port": 587, "host": "smtp.example.com", "tls": true, "tags": ["a", "b"], "bad": "x"]
        #expect(try settings.int("port") == 587)
        #expect(try settings.string("host") == "smtp.example.com")
        #expect(try settings.bool("tls"))
        #expect(try settings.strings("tags") == ["a", "b"])
        #expect(try settings.int("missing", default: 25) == 25)
        for (key, read) in [("missing", { _ = try settings.string("missing") }), ("bad", { _ = try settings.int("bad") })] as [(String, () throws -> Void)] {
            do {
                try read()
                Issue.record("read \(key)")
            } catch let error as BillingError {
                #expect(error.field == key)
                #expect(error.message.contains("'\(key)'"))
                #expect(!error.message.contains("\"x\""), "the value is never echoed")
            }
        }
    }
}
