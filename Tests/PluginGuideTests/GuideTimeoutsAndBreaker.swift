import Bilingus
import BillingTesting
import Synchronization
import Testing

// MARK: - Sample: long work that respects cancellation (Documentation/PluginGuide.md, "Timeouts and cancellation")

/// Exports a report page by page; the manager cancels it at its deadline.
final class ReportExportPlugin: BillingPlugin {
    static let name = "report-export"
    let version = "1.0.0"
    let description = "Exports a large report, page by page"
    let author = "Acme Corp"
    var eventPatterns: [EventPattern] { ["invoice.generated"] }

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

@Suite("Guide: timeouts, cancellation and the circuit breaker")
struct GuideTimeoutsAndBreakerTests {
    @Test("A direct call that overruns callTimeout fails, is cancelled, and counts as timed out")
    func callTimeout() async throws {
        let export = ReportExportPlugin()
        var configuration = BillingEngine.Configuration()
        configuration.plugins.callTimeout = .milliseconds(200)
        try await BillingEngine.withEngine(configuration, storage: .inMemory, plugins: [.init(installAtStart: [:]) { export }]) { engine in
            let result = try await engine.plugins.execute(ReportExportPlugin.name, context: BillingContext(eventType: .invoiceGenerated))
            #expect(!result.success)
            #expect(result.error?.contains("did not finish within") == true)
            let pages = export.pagesExported.withLock { $0 }
            try await Task.sleep(for: .milliseconds(200))
            #expect(export.pagesExported.withLock { $0 } <= pages + 1, "the export stopped once cancelled")
            let listed = try await engine.plugins.installedPlugins()
            #expect(listed.first?.counters.timedOut == 1)
        }
    }

    @Test("A delivery that overruns deliveryTimeout is cancelled and fails like any attempt")
    func deliveryTimeout() async throws {
        let export = ReportExportPlugin()
        var configuration = BillingEngine.Configuration()
        configuration.plugins.delivery.deliveryTimeout = .milliseconds(200)
        configuration.plugins.delivery.retry = RetryPolicy.none
        try await BillingEngine.withEngine(configuration, storage: .inMemory, plugins: [.init(installAtStart: [:]) { export }]) { engine in
            try await engine.events.publish(InvoiceGenerated(invoice: Fixture.invoice()))
            let subscription = PluginManager.subscriptionName(of: ReportExportPlugin.name)
            var letters: [DeadLetter] = []
            _ = try await eventually {
                letters = try await engine.subscriptions.deadLetters(subscription: subscription)
                return !letters.isEmpty
            }
            #expect(letters.count == 1)
            let pages = export.pagesExported.withLock { $0 }
            try await Task.sleep(for: .milliseconds(200))
            #expect(export.pagesExported.withLock { $0 } <= pages + 1, "the export stopped once cancelled")
        }
    }

    @Test("After failureThreshold failures the plugin is quarantined; after quarantineDuration a probe reactivates it")
    func circuitBreaker() async throws {
        let clock = TestClock()
        let receiver = FakeWebhookReceiver()
        var configuration = BillingEngine.Configuration()
        configuration.plugins.failureThreshold = 2
        configuration.plugins.quarantineDuration = .seconds(30)
        try await BillingEngine.withEngine(
            configuration, storage: .inMemory,
            plugins: [.init(installAtStart: [:]) { WebhookRelayPlugin(endpoint: receiver) }],
            clock: clock, wallClock: clock.wallClock
        ) { engine in
            receiver.answer(nil)
            let context = BillingContext(event: try BillingEvent(InvoicePaid(invoice: Fixture.invoice())))
            for _ in 0..<2 {
                let failed = try await engine.plugins.execute(WebhookRelayPlugin.name, context: context)
                #expect(!failed.success)
            }
            var plugin = try #require(try await engine.plugins.installedPlugins().first)
            #expect(plugin.status == .quarantined)

            let refused = try await engine.plugins.execute(WebhookRelayPlugin.name, context: context)
            #expect(refused.error?.contains("quarantined") == true)
            plugin = try #require(try await engine.plugins.installedPlugins().first)
            #expect(plugin.counters.rejected == 1)
            #expect(receiver.posts == 2, "a refused call never reaches the plugin")

            receiver.answer(.accepted)
            clock.advance(by: .seconds(30))
            let probe = try await engine.plugins.execute(WebhookRelayPlugin.name, context: context)
            #expect(probe.success)
            let status = try await engine.plugins.installedPlugins().first?.status
            #expect(status == .active)
        }
    }

    @Test("A failed result counts like a throw: it trips the breaker too")
    func failedResultsCount() async throws {
        let mocks = MockTaxPlugin()
        mocks.lifecycle.execute.setDefault(.value(.failure(message: "the tax service refused the login")))
        var configuration = BillingEngine.Configuration()
        configuration.plugins.failureThreshold = 2
        try await BillingEngine.withEngine(configuration, storage: .inMemory, plugins: [.init(installAtStart: [:]) { mocks }]) { engine in
            for _ in 0..<2 {
                let result = try await engine.plugins.execute(MockTaxPlugin.name, context: BillingContext(eventType: .paymentInitiated))
                #expect(result == .failure(message: "the tax service refused the login"))
            }
            let listed = try await engine.plugins.installedPlugins()
            #expect(listed.first?.status == .quarantined)
            #expect(listed.first?.counters.failed == 2)
        }
    }
}
