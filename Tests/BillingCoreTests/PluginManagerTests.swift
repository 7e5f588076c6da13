@testable import BillingCore
import BillingStore
import BillingTesting
import Foundation
import InMemoryLogging
import Logging
import MetricsTestKit
import ServiceLifecycle
import Synchronization
import Testing

/// A store, bus, dispatcher and plugin manager on a test clock.
struct PluginHarnessWorld {
    let store: InMemoryEventStore
    let clock = TestClock()
    let metrics = TestMetrics()
    let logs = InMemoryLogHandler()
    let bus: EventBus
    let dispatcher: SubscriptionDispatcher
    let manager: PluginManager
    let recorder: EventRecorder

    init(store: InMemoryEventStore = InMemoryEventStore(), configuration: PluginManager.Configuration = .init(
        callTimeout: .seconds(5), initializeTimeout: .seconds(5), failureThreshold: 3, quarantineDuration: .seconds(30),
        healthCheckInterval: .seconds(3600), drainTimeout: .seconds(20),
        delivery: DurableSubscriptionOptions(retry: RetryPolicy(maxAttempts: 10, initialDelay: .seconds(1), jitter: 0), deliveryTimeout: .seconds(60))
    )) {
        self.store = store
        let logs = self.logs
        let logger = Logger(label: "test", factory: { _ in logs })
        bus = EventBus(store: store, logger: logger, metricsFactory: metrics, clock: clock)
        dispatcher = SubscriptionDispatcher(store: store, bus: bus, configuration: .init(pollInterval: .seconds(7200)), logger: logger, metricsFactory: metrics, clock: clock)
        manager = PluginManager(bus: bus, dispatcher: dispatcher, records: store, configuration: configuration, logger: logger, metricsFactory: metrics, clock: clock)
        recorder = EventRecorder(bus: bus)
    }

    func running<T>(_ body: () async throws -> T) async throws -> T {
        let group = ServiceGroup(services: [dispatcher, manager], logger: Logger(label: "test"))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                let result = try await body()
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return result
            } catch {
                tasks.cancelAll()
                throw error
            }
        }
    }

    func settle(until condition: () async throws -> Bool) async rethrows {
        for _ in 0..<200_000 {
            if try await condition() { return }
            await Task.yield()
        }
        Issue.record("condition not reached")
    }

    /// Fires due timers within `horizon`, one at a time, until `condition` holds.
    func advanceTimers(within horizon: Duration, until condition: () async throws -> Bool) async rethrows {
        for _ in 0..<200_000 {
            if try await condition() { return }
            clock.advanceToNextDeadline(within: horizon)
            await Task.yield()
        }
        Issue.record("condition not reached while advancing the clock")
    }

    func installed(_ name: String) async throws -> InstalledPlugin? {
        try await manager.getInstalledPlugins().first { $0.name == name }
    }
}

let samplePayment = PaymentSnapshot(id: "pay-1", userId: "u-1", amount: Money(minorUnits: 2500, currency: .eur), status: "pending", method: "card")

@Suite("Plugin manager")
struct PluginManagerTests {
    @Test("A payment plugin receives payment.initiated through its durable subscription and publishes the outcome")
    func paymentFlow() async throws {
        let world = PluginHarnessWorld()
        let payments = MockPaymentPlugin(name: "payments")
        world.manager.register("payments") { payments }
        try await world.running {
            try await world.manager.loadPlugin("payments", settings: ["mode": "test", "apiKey": .secret("sk_test_123")])
            #expect(payments.lifecycle.initializeCount == 1)
            #expect(try payments.lifecycle.config?.settings.secret("apiKey").reveal() == "sk_test_123")
            #expect(payments.lifecycle.config?.logger[metadataKey: LogKeys.plugin] == "payments")

            let initiated = try await world.bus.publish(PaymentInitiated(payment: samplePayment, paymentMethodId: "pm_1"), tenantId: "acme")
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
        let initiated = try await harness.bus.publish(PaymentInitiated(payment: samplePayment))
        _ = try await payments.execute(BillingContext(event: initiated))
        _ = try await harness.redeliver(initiated)
        #expect(harness.recorder.events(of: .paymentCompleted).count == 1, "the outcome event is idempotent by the initiating event")
        #expect(Set(payments.process.calls.map(\.idempotencyKey)).count == 1, "the provider sees one idempotency key")
    }

    @Test("Listing shows version, status, health, counters and redacted settings")
    func listing() async throws {
        let world = PluginHarnessWorld()
        let tax = MockTaxPlugin(name: "tax")
        world.manager.register("tax") { tax }
        try await world.manager.loadPlugin("tax", settings: ["region": "EU", "token": .secret("tok_live_secret")])
        _ = try await world.manager.executePlugin("tax", context: BillingContext(eventType: .invoiceGenerated))
        try await world.manager.checkHealth()
        let entry = try #require(try await world.installed("tax"))
        #expect(entry.version == "1.0.0-mock")
        #expect(entry.status == .active)
        #expect(entry.health == .healthy)
        #expect(entry.counters.succeeded == 1)
        #expect(entry.settings == ["region": "EU", "token": "***"])
        #expect(!"\(entry)".contains("tok_live_secret"))
        let record = try #require(try await world.store.pluginRecords().first)
        #expect(record.isActive)
        #expect(try record.settings.secret("token").reveal() == "tok_live_secret", "secrets are stored to load the plugin again")
        #expect(!world.logs.entries.contains { "\($0.message) \($0.metadata)".contains("tok_live_secret") })
    }

    @Test("getPlugin returns the typed plugin; executePlugin isolates errors; unknown names are clear errors")
    func typedAccessAndExecution() async throws {
        let world = PluginHarnessWorld()
        let payments = MockPaymentPlugin()
        world.manager.register("mock-payment") { payments }
        try await world.manager.loadPlugin("mock-payment")
        #expect(world.manager.getPlugin("mock-payment", as: (any PaymentPlugin).self) != nil)
        #expect(world.manager.getPlugin("mock-payment", as: MockPaymentPlugin.self) === payments)
        #expect(world.manager.getPlugin("mock-payment", as: (any TaxPlugin).self) == nil)

        payments.lifecycle.execute.enqueue(.error(MockPluginError("provider exploded")))
        let failed = try await world.manager.executePlugin("mock-payment", context: BillingContext(eventType: .invoicePaid))
        #expect(!failed.success)
        #expect(failed.error?.contains("provider exploded") == true)

        let refund = try await world.manager.call("mock-payment", as: (any PaymentPlugin).self) {
            try await $0.refundPayment(RefundRequest(paymentId: "pay-1", idempotencyKey: "r1"))
        }
        #expect(refund.success)

        for operation in [
            { _ = try await world.manager.executePlugin("nope", context: BillingContext(eventType: .invoicePaid)) },
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

    @Test("A pipeline runs fraud → tax → payment and stops where shouldContinue is false")
    func pipeline() async throws {
        let world = PluginHarnessWorld()
        let fraud = MockFraudPlugin(name: "fraud")
        let tax = MockTaxPlugin(name: "tax")
        let payments = MockPaymentPlugin(name: "payments")
        world.manager.register("fraud") { fraud }
        world.manager.register("tax") { tax }
        world.manager.register("payments") { payments }
        for name in ["fraud", "tax", "payments"] {
            try await world.manager.loadPlugin(name)
        }
        let transaction = TransactionSnapshot(id: "t-1", userId: "u-1", kind: "payment", amount: Money(minorUnits: 999_00, currency: .usd), status: "pending")
        let context = BillingContext(eventType: .transactionCreated, payload: ["transaction": try CanonicalJSON.value(from: transaction)], tenant: "acme")

        tax.lifecycle.execute.enqueue(.value(.success(["tax": 19])))
        let allowed = try await world.manager.executePipeline(["fraud", "tax", "payments"], context: context)
        #expect(allowed.completed)
        #expect(allowed.stages.map(\.plugin) == ["fraud", "tax", "payments"])
        let seenByPayment = try #require(payments.lifecycle.execute.calls.last)
        #expect(seenByPayment.pipelineResults["tax"]?.data == ["tax": 19])

        fraud.check.enqueue(.value(FraudResult(decision: .block, score: 97, reasons: ["velocity: 12 payments in 1 minute"])))
        let blocked = try await world.manager.executePipeline(["fraud", "tax", "payments"], context: context)
        #expect(blocked.stoppedAt == "fraud")
        #expect(blocked.stages.count == 1)
        #expect(blocked.stages[0].result.error?.contains("velocity") == true)
        #expect(payments.lifecycle.execute.calls.count == 1, "the payment stage did not run")
    }

    @Test("A plugin that throws, hangs, or fails to initialize takes down nothing else")
    func isolation() async throws {
        let world = PluginHarnessWorld()
        let thrower = MockPaymentPlugin(name: "thrower")
        let hanger = MockNotificationPlugin(name: "hanger")
        let brokenInit = MockTaxPlugin(name: "broken-init")
        let hangingInit = MockTaxPlugin(name: "hanging-init")
        let healthy = MockPaymentPlugin(name: "healthy", eventPatterns: ["invoice.*"])
        for plugin in [thrower, healthy] as [MockPaymentPlugin] { world.manager.register(plugin.name) { plugin } }
        world.manager.register("hanger") { hanger }
        world.manager.register("broken-init") { brokenInit }
        world.manager.register("hanging-init") { hangingInit }
        brokenInit.lifecycle.initialize.enqueue(.error(MockPluginError("cannot reach the tax service")))
        hangingInit.lifecycle.initialize.enqueue(.hang)
        thrower.process.setDefault(.error(MockPluginError("boom")))
        hanger.lifecycle.execute.setDefault(.hang)

        try await world.running {
            // Initialization failures fail that load only, with a clear error.
            await #expect(throws: BillingError.self) { try await world.manager.loadPlugin("broken-init") }
            let hangingLoad = Task { try await world.manager.loadPlugin("hanging-init") }
            await world.advanceTimers(within: .seconds(5)) { (try? await world.installed("hanging-init"))?.status == .failed }
            await #expect(throws: BillingError.self) { try await hangingLoad.value }
            #expect(try await world.installed("broken-init")?.status == .failed)
            #expect(try await world.installed("broken-init")?.lastError?.contains("cannot reach the tax service") == true)
            #expect(try await world.installed("hanging-init")?.status == .failed)

            for name in ["thrower", "hanger", "healthy"] {
                try await world.manager.loadPlugin(name)
            }
            // A hanging call times out on the clock and comes back as a failed result.
            let hanging = Task { try await world.manager.executePlugin("hanger", context: BillingContext(eventType: .invoicePaid)) }
            await world.advanceTimers(within: .seconds(5)) { (try? await world.installed("hanger")?.counters.timedOut) == 1 }
            let timedOut = try await hanging.value
            #expect(!timedOut.success)
            #expect(timedOut.error?.contains("did not finish within") == true)

            // The throwing payment plugin fails its deliveries; the healthy one and the bus carry on.
            try await world.bus.publish(PaymentInitiated(payment: samplePayment))
            try await world.bus.publish(BillingEvent(type: .invoicePaid))
            try await world.settle { try await world.installed("thrower")?.counters.failed ?? 0 >= 1 }
            await world.settle { healthy.lifecycle.execute.calls.contains { $0.eventType == .invoicePaid } }
            #expect(try await world.installed("healthy")?.status == .active)
            let stored = try await world.bus.publish(BillingEvent(type: .userCreated))
            #expect(stored.sequence != nil)
        }
        hangingInit.lifecycle.initialize.releaseHungCalls()
        hanger.lifecycle.execute.releaseHungCalls()
    }

    @Test("Consecutive failures quarantine a plugin; events wait; a healthy probe brings it back")
    func circuitBreaker() async throws {
        let world = PluginHarnessWorld()
        let payments = MockPaymentPlugin()
        world.manager.register("mock-payment") { payments }
        payments.process.setDefault(.error(MockPluginError("provider down")))
        try await world.running {
            try await world.manager.loadPlugin("mock-payment")
            try await world.bus.publish(PaymentInitiated(payment: samplePayment))
            // Three failed deliveries (1 s apart) open the breaker.
            try await world.advanceTimers(within: .seconds(2)) { try await world.installed("mock-payment")?.status == .quarantined }
            let quarantined = try #require(try await world.installed("mock-payment"))
            #expect(quarantined.counters.consecutiveFailures == 3)
            #expect(quarantined.lastError?.contains("provider down") == true)
            let refused = try await world.manager.executePlugin("mock-payment", context: BillingContext(eventType: .invoicePaid))
            #expect(!refused.success)
            #expect(refused.error?.contains("quarantined") == true)
            #expect(try await world.installed("mock-payment")?.counters.rejected ?? 0 >= 1)
            #expect(payments.process.calls.count == 3, "no call reaches a quarantined plugin")

            // The provider recovers; after the quarantine a health probe reactivates the
            // plugin and the waiting event is delivered.
            payments.process.setDefault(.value(nil))
            world.clock.advance(by: .seconds(30))
            try await world.manager.checkHealth()
            #expect(try await world.installed("mock-payment")?.status == .active)
            await world.advanceTimers(within: .seconds(31)) { world.recorder.events(of: .paymentCompleted).count == 1 }
        }
        #expect(try world.metrics.expectCounter("billing.plugin.executions", [("plugin", "mock-payment"), ("outcome", "failure")]).totalValue == 3)
    }

    @Test("Unloading drains in-flight calls, then shuts down; events wait until it is loaded again")
    func unloadDrains() async throws {
        let world = PluginHarnessWorld()
        let notifications = MockNotificationPlugin(eventPatterns: ["invoice.*"])
        world.manager.register("mock-notification") { notifications }
        notifications.lifecycle.execute.enqueue(.delayed(.milliseconds(50), .success()))
        try await world.running {
            try await world.manager.loadPlugin("mock-notification")
            try await world.bus.publish(BillingEvent(type: .invoiceGenerated))
            await world.settle { notifications.lifecycle.execute.calls.count == 1 }
            try await world.manager.unloadPlugin("mock-notification")
            #expect(notifications.lifecycle.shutdownCount == 1)
            #expect(try await world.dispatcher.status(of: "plugin.mock-notification").cursor == 1, "the in-flight call finished before shutdown")
            #expect(try await world.store.pluginRecords().first?.isActive == false)

            try await world.bus.publish(BillingEvent(type: .invoicePaid))
            for _ in 0..<1000 { await Task.yield() }
            #expect(notifications.lifecycle.execute.calls.count == 1, "an unloaded plugin receives nothing")
            try await world.manager.loadPlugin("mock-notification")
            await world.settle { notifications.lifecycle.execute.calls.count == 2 }
            #expect(notifications.lifecycle.execute.calls.last?.eventType == .invoicePaid)
        }
    }

    @Test("Installed plugins are loaded again at start, respecting isActive; uninstall forgets them")
    func persistence() async throws {
        let store = InMemoryEventStore()
        let first = PluginHarnessWorld(store: store)
        first.manager.register("mock-payment") { MockPaymentPlugin() }
        first.manager.register("mock-tax") { MockTaxPlugin() }
        try await first.manager.loadPlugin("mock-payment", settings: ["apiKey": .secret("sk_live_xyz"), "retries": 3])
        try await first.manager.loadPlugin("mock-tax")
        try await first.manager.unloadPlugin("mock-tax")

        let second = PluginHarnessWorld(store: store)
        let payments = MockPaymentPlugin()
        second.manager.register("mock-payment") { payments }
        second.manager.register("mock-tax") { MockTaxPlugin() }
        #expect(try await second.manager.loadPersistedPlugins().isEmpty)
        #expect(payments.lifecycle.initializeCount == 1)
        #expect(try payments.lifecycle.config?.settings.int("retries") == 3)
        #expect(try payments.lifecycle.config?.settings.secret("apiKey").reveal() == "sk_live_xyz")
        #expect(try await second.installed("mock-payment")?.status == .active)
        #expect(try await second.installed("mock-tax")?.status == .inactive)

        try await second.manager.uninstallPlugin("mock-payment")
        #expect(try await second.installed("mock-payment") == nil)
        #expect(try await store.pluginRecords().map(\.name) == ["mock-tax"])
        await #expect(throws: BillingError.self) { try await second.manager.uninstallPlugin("mock-payment") }
    }

    @Test("Secrets never reach logs, errors or listings, even in a plugin's own error text")
    func secretsRedacted() async throws {
        let world = PluginHarnessWorld()
        let leaky = MockTaxPlugin(name: "leaky")
        world.manager.register("leaky") { leaky }
        leaky.lifecycle.initialize.enqueue(.error(MockPluginError("auth failed for key sk_live_SECRET42")))
        do {
            try await world.manager.loadPlugin("leaky", settings: ["apiKey": .secret("sk_live_SECRET42")])
            Issue.record("the load succeeded")
        } catch let error as BillingError {
            #expect(!error.description.contains("SECRET42"))
            #expect(error.description.contains("***"))
        }
        let listing = try await world.manager.getInstalledPlugins()
        #expect(!"\(listing)".contains("SECRET42"))
        #expect(!world.logs.entries.contains { "\($0.message) \($0.metadata)".contains("SECRET42") })
        #expect("\(PluginSettings(["apiKey": .secret("SECRET42")]))" == #"{"apiKey":"***"}"#)
        #expect("\(Secret("SECRET42"))" == "***")
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
