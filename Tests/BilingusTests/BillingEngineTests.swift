import Bilingus
import BillingTesting
import Foundation
import InMemoryLogging
import Logging
import ServiceLifecycle
import Testing

@Suite("BillingEngine")
struct BillingEngineTests {
    let payment = PaymentSnapshot(id: "pay-1", userId: "u-1", amount: Money(minorUnits: 1999, currency: .usd), status: "pending")

    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("engine-\(UUID()).sqlite").path
    }

    static func remove(_ path: String) {
        for suffix in ["", "-wal", "-shm", ".key"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    @Test("withEngine runs a payment through a plugin installed at start, and reports health")
    func paymentThroughEngine() async throws {
        let payments = MockPaymentPlugin()
        let report = try await BillingEngine.withEngine(
            storage: .inMemory, plugins: [.init(installAtStart: ["apiKey": .secret("sk_test_engine")]) { payments }], logger: quietLogger
        ) { engine in
            let recorder = EventRecorder(bus: engine.events)
            try await engine.events.publish(PaymentInitiated(payment: payment))
            try await recorder.expect(.paymentCompleted, within: .seconds(5))
            // Wait for every cursor (the plugin's, the webhook fan-out's) to pass the events before reading health.
            for _ in 0..<1000 where try await engine.subscriptions.statuses().contains(where: { $0.lag > 0 }) {
                try await Task.sleep(for: .milliseconds(5))
            }
            return await engine.health()
        }
        #expect(report.status == .healthy)
        #expect(report.storageError == nil)
        #expect(report.headSequence == 2)
        #expect(report.subscriptions.map(\.name) == [WebhookService.fanOutSubscription, "plugin.mock-payment"])
        #expect(report.subscriptions.allSatisfy { $0.lag == 0 })
        #expect(report.plugins.map(\.status) == [.active])
        #expect(report.plugins[0].health == .healthy)
        #expect(!report.description.contains("sk_test_engine"))
        #expect(report.description.contains("plugin mock-payment 1.0.0-mock: active"))
    }

    @Test("Installed plugins survive a restart on the same SQLite file; uninstalled ones do not; the file is closed cleanly")
    func persistenceAcrossRestarts() async throws {
        let path = Self.temporaryPath()
        defer { Self.remove(path) }
        func engine<T: Sendable>(_ plugin: MockPaymentPlugin, _ body: (BillingEngine) async throws -> T) async throws -> T {
            try await BillingEngine.withEngine(storage: .sqlite(path: path), plugins: [.init { plugin }], logger: quietLogger, body)
        }

        let first = MockPaymentPlugin()
        try await engine(first) { engine in
            try await engine.plugins.loadPlugin(MockPaymentPlugin.name, settings: ["apiKey": .secret("sk_live_persisted"), "region": "eu"])
            let listed = try await engine.plugins.installedPlugins()
            #expect(listed.map(\.settings) == [["apiKey": "***", "region": "eu"]])
        }
        #expect(first.lifecycle.shutdownCount == 1, "graceful shutdown of the engine shuts its plugins down")
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"), "closing checkpointed and removed the WAL")

        let second = MockPaymentPlugin()
        try await engine(second) { engine in
            #expect(second.lifecycle.initializeCount == 1, "loaded again at start")
            #expect(try second.lifecycle.config?.settings.secret("apiKey").reveal() == "sk_live_persisted")
            // Events published while it was down wait in its durable subscription.
            let recorder = EventRecorder(bus: engine.events)
            try await engine.events.publish(PaymentInitiated(payment: payment))
            try await recorder.expect(.paymentCompleted, within: .seconds(5))
            try await engine.plugins.uninstallPlugin(MockPaymentPlugin.name)
            await #expect(throws: BillingError.self) { try await engine.plugins.uninstallPlugin(MockPaymentPlugin.name) }
        }

        let third = MockPaymentPlugin()
        try await engine(third) { engine in
            #expect(third.lifecycle.initializeCount == 0)
            let remaining = try await engine.plugins.installedPlugins()
            #expect(remaining.isEmpty)
        }
    }

    @Test("With no key configured, a 0600 key file is made beside the database once, with one warning")
    func keyFile() async throws {
        let path = Self.temporaryPath()
        defer { Self.remove(path) }
        let logs = InMemoryLogHandler()
        let logger = Logger(label: "test", factory: { _ in logs })
        for _ in 0..<2 {
            try await BillingEngine.withEngine(storage: .sqlite(path: path), logger: logger) { _ in }
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: path + ".key")
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(logs.entries.count { $0.message.description.contains("No sealing key was configured") } == 1)
    }

    @Test("Custom storage needs keys: there is no file to keep one beside")
    func customStorageNeedsKeys() throws {
        let error = #expect(throws: BillingError.self) { try BillingEngine(storage: .custom(InMemoryEventStore()), logger: quietLogger) }
        #expect(error?.field == "sealingKeys")
        let keys = try SealingKeyring(current: SealingKey.generate(id: "k1"))
        _ = try BillingEngine(configuration: .init(sealingKeys: keys), storage: .custom(InMemoryEventStore()), logger: quietLogger)
    }

    @Test("Health degrades with dead letters and failed plugins; dead letters are reachable through the subscriptions")
    func degradedHealth() async throws {
        let broken = MockTaxPlugin()
        broken.lifecycle.initialize.enqueue(.error(MockPluginError("no credentials")))
        try await BillingEngine.withEngine(
            BillingEngine.Configuration(subscriptions: .init(pollInterval: .milliseconds(50))),
            storage: .inMemory, plugins: [.init(installAtStart: [:]) { broken }], logger: quietLogger
        ) { engine in
            try await engine.subscriptions.subscribe("strict", to: ["invoice.*"], options: DurableSubscriptionOptions(retry: .none)) { _ in
                throw MockPluginError("cannot handle invoices")
            }
            try await engine.events.publish(BillingEvent(type: try BillingEventType("invoice.noted")))
            var letters: [DeadLetter] = []
            for _ in 0..<500 where letters.isEmpty {
                letters = try await engine.subscriptions.deadLetters()
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(letters.count == 1)
            let report = await engine.health()
            #expect(report.status == .degraded)
            #expect(report.plugins.first { $0.name == MockTaxPlugin.name }?.status == .failed)
            #expect(report.subscriptions.first { $0.name == "strict" }?.deadLetterCount == 1)
            #expect(try await engine.subscriptions.discard(.subscription("strict")) == 1)
        }
    }

    @Test("Health flags a cursor beyond the store's head")
    func cursorAheadOfHead() async throws {
        try await BillingEngine.withEngine(storage: .inMemory, logger: quietLogger) { engine in
            try await engine.subscriptions.subscribe("ledger", to: ["*"]) { _ in }
            try await engine.storage.setCursor(of: "ledger", to: 42, at: Date())
            let report = await engine.health()
            #expect(report.subscriptions.first { $0.name == "ledger" }?.isCursorAheadOfHead == true)
            #expect(report.status == .degraded)
            #expect(report.description.contains("CURSOR BEYOND THE HEAD"))
        }
    }

    @Test("The engine runs as a Service in a ServiceGroup and shuts down gracefully")
    func runsAsService() async throws {
        let engine = try BillingEngine(storage: .inMemory, logger: quietLogger)
        let group = ServiceGroup(services: [engine], logger: quietLogger)
        let handled = EventRecorder(bus: engine.events)
        try await engine.subscriptions.subscribe("audit", to: ["*"]) { _ in }
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await engine.events.publish(UserCreated(user: UserSnapshot(id: "u-1", email: "ada@example.com")))
            try await handled.expect(.userCreated)
            for _ in 0..<1000 where try await engine.subscriptions.status(of: "audit").lag > 0 {
                try await Task.sleep(for: .milliseconds(5))
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        // The in-memory store the engine made was closed with it.
        await #expect(throws: BillingError.self) { try await engine.storage.headSequence() }
    }
}
