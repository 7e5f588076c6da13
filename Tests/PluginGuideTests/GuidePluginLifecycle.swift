import Bilingus
import BillingTesting
import Foundation
import Synchronization
import Testing

// MARK: - Samples: lifecycle, failures, timeouts (Documentation/PluginGuide.md, "Lifecycle" and "Guarantees")

/// A plugin whose work can be switched to fail, to show retries, dead letters and the circuit breaker.
final class FlakyAuditPlugin: BillingPlugin {
    let name = "flaky-audit"
    let version = "1.0.0"
    let description = "Records invoice events; fails while its backend is down"
    let author = "Acme Corp"
    var eventPatterns: [EventPattern] { ["invoice.*"] }

    private let state = Mutex((backendUp: true, recorded: [EventID]()))

    func setBackend(up: Bool) {
        state.withLock { $0.backendUp = up }
    }

    var recorded: [EventID] { state.withLock { $0.recorded } }

    func initialize(_ config: PluginConfig) async throws {}

    func execute(_ context: BillingContext) async throws -> PluginResult {
        guard let event = context.event else { return .success() }
        try state.withLock { state in
            guard state.backendUp else { throw BillingError(.storageUnavailable, "the audit backend is down") }
            if !state.recorded.contains(event.id) { state.recorded.append(event.id) }  // deduplicate on the event id
        }
        return .success()
    }

    func shutdown() async throws {}

    func healthCheck() async -> PluginHealth {
        state.withLock { $0.backendUp } ? .healthy : .unhealthy("the audit backend is down")
    }
}

/// Long work that stops when its call is cancelled (the manager cancels it at `callTimeout`).
final class ReportExportPlugin: BillingPlugin {
    let name = "report-export"
    let version = "1.0.0"
    let description = "Exports a large report, page by page"
    let author = "Acme Corp"

    let pagesExported = Mutex(0)

    func initialize(_ config: PluginConfig) async throws {}

    func execute(_ context: BillingContext) async throws -> PluginResult {
        for _ in 0..<1_000 {
            try Task.checkCancellation()  // stop promptly once the call has timed out
            try await Task.sleep(for: .milliseconds(20))  // one page
            pagesExported.withLock { $0 += 1 }
        }
        return .success()
    }

    func shutdown() async throws {}
}

// MARK: - Tests

@Suite("Guide: lifecycle, retries, the circuit breaker and timeouts")
struct GuidePluginLifecycleTests {
    let invoice = InvoiceSnapshot(
        id: "inv-1", userId: "u-1", status: "paid",
        subtotal: Money(minorUnits: 100, currency: .usd), tax: .zero(.usd), total: Money(minorUnits: 100, currency: .usd)
    )

    func waitUntilCaughtUp(_ engine: BillingEngine, _ subscription: String) async throws {
        for _ in 0..<2_000 where try await engine.subscriptions.status(of: subscription).lag > 0 {
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    @Test("load → events → unload → uninstall; installed plugins come back after a restart with their settings")
    func loadUnloadRestart() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("guide-\(UUID()).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let configuration = BillingEngine.Configuration(
            storage: .sqlite(path: path),
            plugins: [.init("flat-tax") { FlatTaxPlugin() }, .init("outbox") { OutboxNotificationPlugin() }]
        )

        try await BillingEngine.withEngine(configuration) { engine in
            // A plugin installed now acts only on what comes after: its new subscription starts at the end.
            try await engine.events.publish(InvoiceOverdue(invoice: invoice, daysOverdue: 3))
            try await engine.plugins.loadPlugin("outbox", settings: ["locale": "fr"])
            try await engine.plugins.loadPlugin("flat-tax", settings: ["rateBasisPoints": 700])
            try await engine.events.publish(InvoiceOverdue(invoice: invoice, daysOverdue: 10))
            try await waitUntilCaughtUp(engine, "plugin.outbox")
            let outbox = try #require(engine.plugins.getPlugin("outbox", as: OutboxNotificationPlugin.self))
            #expect(await outbox.outbox.count == 1)

            try await engine.plugins.unloadPlugin("flat-tax")  // stays installed, inactive
            let listed = try await engine.plugins.getInstalledPlugins()
            #expect(listed.map(\.status) == [.inactive, .active])
        }

        // Restart on the same file: active plugins load again with their persisted settings; inactive ones do not.
        try await BillingEngine.withEngine(configuration) { engine in
            let listed = try await engine.plugins.getInstalledPlugins()
            #expect(listed.map(\.name) == ["flat-tax", "outbox"])
            #expect(listed.map(\.status) == [.inactive, .active])
            #expect(listed[1].settings == ["locale": "fr"])

            try await engine.plugins.uninstallPlugin("outbox")
            try await engine.plugins.uninstallPlugin("flat-tax")
            #expect(try await engine.plugins.getInstalledPlugins().isEmpty)
        }
    }

    @Test("A plugin that fails to initialize is listed as failed; everything else keeps running")
    func failedInitialize() async throws {
        let configuration = BillingEngine.Configuration(
            storage: .inMemory,
            plugins: [
                .init("flat-tax", installAtStart: [:]) { FlatTaxPlugin() },  // rateBasisPoints is missing
                .init("outbox", installAtStart: [:]) { OutboxNotificationPlugin() },
            ]
        )
        try await BillingEngine.withEngine(configuration) { engine in
            let listed = try await engine.listInstalledPlugins()
            #expect(listed.map(\.status) == [.failed, .active])
            #expect(listed[0].lastError?.contains("Setting 'rateBasisPoints' is missing") == true)
            #expect(await engine.health().status == .degraded)

            try await engine.plugins.loadPlugin("flat-tax", settings: ["rateBasisPoints": 1900])  // fixed
            #expect(try await engine.listInstalledPlugins().map(\.status) == [.active, .active])
        }
    }

    @Test("A failing delivery is retried, then dead-lettered; redelivery after the fix; the handler deduplicates")
    func retriesAndDeadLetters() async throws {
        let audit = FlakyAuditPlugin()
        let configuration = BillingEngine.Configuration(
            storage: .inMemory,
            plugins: [.init("flaky-audit", installAtStart: [:]) { audit }],
            pluginManager: .init(delivery: DurableSubscriptionOptions(retry: RetryPolicy(maxAttempts: 2, initialDelay: .milliseconds(10))))
        )
        try await BillingEngine.withEngine(configuration) { engine in
            audit.setBackend(up: false)
            let paid = try await engine.events.publish(InvoicePaid(invoice: invoice))
            var letters: [DeadLetter] = []
            for _ in 0..<2_000 where letters.isEmpty {
                letters = try await engine.deadLetters.list(subscription: "plugin.flaky-audit")
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(letters.map(\.attempts) == [2])
            #expect(await engine.health().status == .degraded)

            audit.setBackend(up: true)
            #expect(try await engine.deadLetters.redeliverAll(subscription: "plugin.flaky-audit") == 1)
            for _ in 0..<2_000 where audit.recorded.isEmpty {
                try await Task.sleep(for: .milliseconds(5))
            }
            // At least once: a second delivery of the same event changes nothing.
            _ = try await engine.plugins.executePlugin("flaky-audit", context: BillingContext(event: paid))
            #expect(audit.recorded == [paid.id])
        }
    }

    @Test("After failureThreshold failures the plugin is quarantined; after quarantineDuration a probe reactivates it")
    func circuitBreaker() async throws {
        let clock = TestClock()
        let audit = FlakyAuditPlugin()
        let configuration = BillingEngine.Configuration(
            storage: .inMemory,
            plugins: [.init("flaky-audit", installAtStart: [:]) { audit }],
            clock: clock,
            pluginManager: .init(failureThreshold: 2, quarantineDuration: .seconds(30))
        )
        try await BillingEngine.withEngine(configuration) { engine in
            audit.setBackend(up: false)
            let context = BillingContext(event: try BillingEvent(InvoicePaid(invoice: invoice)))
            for _ in 0..<2 {
                #expect(try await !engine.plugins.executePlugin("flaky-audit", context: context).success)
            }
            var plugin = try #require(try await engine.plugins.getInstalledPlugins().first)
            #expect(plugin.status == .quarantined)

            let refused = try await engine.plugins.executePlugin("flaky-audit", context: context)
            #expect(refused.error?.contains("quarantined") == true)
            plugin = try #require(try await engine.plugins.getInstalledPlugins().first)
            #expect(plugin.counters.rejected == 1)

            audit.setBackend(up: true)
            clock.advance(by: .seconds(30))
            #expect(try await engine.plugins.executePlugin("flaky-audit", context: context).success)  // the probe
            #expect(try await engine.plugins.getInstalledPlugins().first?.status == .active)
        }
    }

    @Test("A call that overruns callTimeout is cancelled and counted as timed out")
    func timeouts() async throws {
        let export = ReportExportPlugin()
        let configuration = BillingEngine.Configuration(
            storage: .inMemory,
            plugins: [.init("report-export", installAtStart: [:]) { export }],
            pluginManager: .init(callTimeout: .milliseconds(200))
        )
        try await BillingEngine.withEngine(configuration) { engine in
            let result = try await engine.plugins.executePlugin("report-export", context: BillingContext(eventType: .invoiceGenerated))
            #expect(!result.success)
            #expect(result.error?.contains("did not finish within") == true)
            let pages = export.pagesExported.withLock { $0 }
            try await Task.sleep(for: .milliseconds(200))
            #expect(export.pagesExported.withLock { $0 } <= pages + 1, "the export stopped once cancelled")
            #expect(try await engine.plugins.getInstalledPlugins().first?.counters.timedOut == 1)
        }
    }
}
