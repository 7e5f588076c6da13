@testable import BillingCore
import BillingStore
import BillingTesting
import Foundation
import InMemoryLogging
import Logging
import MetricsTestKit
import ServiceLifecycle
import Testing

/// A store, bus, dispatcher and plugin manager on a test clock, with sealed secrets.
struct PluginWorld {
    let store: InMemoryEventStore
    let clock = TestClock()
    let metrics = TestMetrics()
    let logs = InMemoryLogHandler()
    let bus: EventBus
    let dispatcher: SubscriptionDispatcher
    let manager: PluginManager
    let recorder: EventRecorder
    let sealer: AESGCMSecretSealer

    static let defaultConfiguration = PluginManager.Configuration(
        callTimeout: .seconds(5), initializeTimeout: .seconds(5), failureThreshold: 3, quarantineDuration: .seconds(30),
        healthCheckInterval: .seconds(3600), drainTimeout: .seconds(20),
        delivery: DurableSubscriptionOptions(retry: RetryPolicy(maxAttempts: 10, initialDelay: .seconds(1), jitter: 0), deliveryTimeout: .seconds(60))
    )

    init(
        store: InMemoryEventStore = InMemoryEventStore(), configuration: PluginManager.Configuration = PluginWorld.defaultConfiguration,
        sealer: AESGCMSecretSealer = AESGCMSecretSealer(key: PluginWorld.key)
    ) {
        self.store = store
        self.sealer = sealer
        let logs = self.logs
        let logger = Logger(label: "test", factory: { _ in logs })
        bus = EventBus(store: store, logger: logger, metricsFactory: metrics, clock: clock, wallClock: clock.wallClock)
        dispatcher = SubscriptionDispatcher(
            store: store, bus: bus, configuration: DurableHarness.configuration(pollInterval: .seconds(7200)), logger: logger,
            metricsFactory: metrics, clock: clock, wallClock: clock.wallClock
        )
        manager = PluginManager(
            bus: bus, dispatcher: dispatcher, storage: store, sealer: sealer, configuration: configuration, logger: logger,
            metricsFactory: metrics, clock: clock, wallClock: clock.wallClock
        )
        recorder = EventRecorder(bus: bus)
    }

    /// One key for the test process, so worlds sharing a store open each other's secrets.
    static let key = try! SealingKey.generate(id: "test")

    func running<T>(_ body: () async throws -> T) async throws -> T {
        let group = ServiceGroup(services: [dispatcher, manager], logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
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
        try await manager.installedPlugins().first { $0.name == name }
    }

    /// Every log line as one text, for checking that a secret never shows.
    var logText: String {
        logs.entries.map { "\($0.message) \($0.metadata) \(String(describing: $0.error))" }.joined(separator: "\n")
    }
}

let samplePayment = PaymentSnapshot(id: "pay-1", userId: "u-1", amount: Money(minorUnits: 2500, currency: .eur), status: "pending", method: "card")

/// A plain plugin that records what it is asked, for tests needing a plugin of their own name.
final class ListeningPlugin: BillingPlugin {
    static let name = "listener"
    let version = "1.0.0"
    let description = "Records its contexts"
    let author = "tests"
    let eventPatterns: [EventPattern]
    let contexts = Recorder<BillingContext>()

    init(eventPatterns: [EventPattern] = ["invoice.*"]) {
        self.eventPatterns = eventPatterns
    }

    func initialize(_ config: PluginConfig) async throws {}

    func execute(_ context: BillingContext) async throws -> PluginResult {
        contexts.record(context)
        return .success()
    }

    func shutdown() async throws {}
}
