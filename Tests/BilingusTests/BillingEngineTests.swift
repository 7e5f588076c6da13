import Bilingus
import BillingTesting
import Foundation
import Logging
import ServiceLifecycle
import Testing

@Suite("BillingEngine")
struct BillingEngineTests {
    let payment = PaymentSnapshot(id: "pay-1", userId: "u-1", amount: Money(minorUnits: 1999, currency: .usd), status: "pending")

    @Test("withEngine runs a payment through a plugin installed at start, and reports health")
    func paymentThroughEngine() async throws {
        let payments = MockPaymentPlugin()
        let configuration = BillingEngine.Configuration(
            storage: .inMemory,
            plugins: [.init("mock-payment", installAtStart: ["apiKey": .secret("sk_test_engine")]) { payments }]
        )
        let report = try await BillingEngine.withEngine(configuration) { engine in
            let recorder = EventRecorder(bus: engine.events)
            try await engine.events.publish(PaymentInitiated(payment: payment))
            try await recorder.expect(.paymentCompleted, within: .seconds(5))
            // Wait for the plugin's cursor to pass the event before reading health.
            for _ in 0..<1000 where try await engine.subscriptions.status(of: "plugin.mock-payment").lag > 0 {
                try await Task.sleep(for: .milliseconds(5))
            }
            return await engine.health()
        }
        #expect(report.status == .healthy)
        #expect(report.storageError == nil)
        #expect(report.headSequence == 2)
        #expect(report.subscriptions.map(\.name) == ["plugin.mock-payment"])
        #expect(report.subscriptions[0].lag == 0)
        #expect(report.plugins.map(\.status) == [.active])
        #expect(report.plugins[0].health == .healthy)
        #expect(!report.description.contains("sk_test_engine"))
        #expect(report.description.contains("plugin mock-payment 1.0.0-mock: active"))
    }

    @Test("Installed plugins survive a restart on the same SQLite file; uninstalled ones do not")
    func persistenceAcrossRestarts() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("engine-\(UUID()).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        func configuration(_ plugin: MockPaymentPlugin) -> BillingEngine.Configuration {
            .init(storage: .sqlite(path: path), plugins: [.init("mock-payment") { plugin }])
        }

        let first = MockPaymentPlugin()
        try await BillingEngine.withEngine(configuration(first)) { engine in
            try await engine.installPlugin("mock-payment", settings: ["apiKey": .secret("sk_live_persisted"), "region": "eu"])
            let listed = try await engine.listInstalledPlugins()
            #expect(listed.map(\.settings) == [["apiKey": "***", "region": "eu"]])
        }
        #expect(first.lifecycle.shutdownCount == 1, "graceful shutdown of the engine shuts its plugins down")

        let second = MockPaymentPlugin()
        try await BillingEngine.withEngine(configuration(second)) { engine in
            #expect(second.lifecycle.initializeCount == 1, "loaded again at start")
            #expect(try second.lifecycle.config?.settings.secret("apiKey").reveal() == "sk_live_persisted")
            // Events published while it was down wait in its durable subscription.
            let recorder = EventRecorder(bus: engine.events)
            try await engine.events.publish(PaymentInitiated(payment: payment))
            try await recorder.expect(.paymentCompleted, within: .seconds(5))
            try await engine.uninstallPlugin("mock-payment")
            await #expect(throws: BillingError.self) { try await engine.uninstallPlugin("mock-payment") }
        }

        let third = MockPaymentPlugin()
        try await BillingEngine.withEngine(configuration(third)) { engine in
            #expect(third.lifecycle.initializeCount == 0)
            let remaining = try await engine.listInstalledPlugins()
            #expect(remaining.isEmpty)
        }
    }

    @Test("Health degrades with dead letters and failed plugins; dead letters are reachable from the engine")
    func degradedHealth() async throws {
        let broken = MockTaxPlugin(name: "broken")
        broken.lifecycle.initialize.enqueue(.error(MockPluginError("no credentials")))
        let configuration = BillingEngine.Configuration(
            storage: .inMemory,
            plugins: [.init("broken", installAtStart: [:]) { broken }],
            subscriptions: .init(pollInterval: .milliseconds(50))
        )
        try await BillingEngine.withEngine(configuration) { engine in
            try await engine.subscriptions.subscribe("strict", to: ["invoice.*"], options: DurableSubscriptionOptions(retry: .none)) { _ in
                throw MockPluginError("cannot handle invoices")
            }
            try await engine.events.publish(BillingEvent(type: .invoicePaid))
            var letters: [DeadLetter] = []
            for _ in 0..<500 where letters.isEmpty {
                letters = try await engine.deadLetters.list()
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(letters.count == 1)
            let report = await engine.health()
            #expect(report.status == .degraded)
            #expect(report.plugins.first { $0.name == "broken" }?.status == .failed)
            #expect(report.subscriptions.first { $0.name == "strict" }?.deadLetterCount == 1)
            #expect(try await engine.deadLetters.discard(.subscription("strict")) == 1)
        }
    }

    @Test("The engine runs as a Service in a ServiceGroup and shuts down gracefully")
    func runsAsService() async throws {
        let engine = try BillingEngine(configuration: .init(storage: .inMemory))
        let group = ServiceGroup(services: [engine], logger: Logger(label: "test"))
        let handled = EventRecorder(bus: engine.events)
        try await engine.subscriptions.subscribe("audit", to: ["*"]) { _ in }
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await engine.events.publish(BillingEvent(type: .userCreated))
            try await handled.expect(.userCreated)
            for _ in 0..<1000 where try await engine.subscriptions.status(of: "audit").lag > 0 {
                try await Task.sleep(for: .milliseconds(5))
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(try await engine.subscriptions.status(of: "audit").cursor == 1)
    }
}
