import Bilingus
import BillingTesting
import Testing

// The host's side of a plugin's lifecycle (Documentation/PluginGuide.md, "Lifecycle"):
// register, load, unload, restart, uninstall, and a load that fails.

/// A name with capitals and a space: registration refuses it.
struct BadlyNamedPlugin: BillingPlugin {
    static let name = "Acme Pay"
    let version = "1.0.0"
    let description = "Has a name the manager refuses"
    let author = "Nobody"

    func initialize(_ config: PluginConfig) async throws {}
    func execute(_ context: BillingContext) async throws -> PluginResult { .success() }
    func shutdown() async throws {}
}

@Suite("Guide: lifecycle")
struct GuideLifecycleTests {
    /// The invoices the outbox queued an email for.
    func outboxInvoices(_ engine: BillingEngine) async -> [String] {
        guard let outbox = engine.plugins.plugin(named: OutboxNotificationPlugin.name, as: OutboxNotificationPlugin.self) else { return [] }
        return await outbox.outbox.compactMap { $0.request.data["invoiceId"]?.stringValue }
    }

    func fees(_ engine: BillingEngine) async throws -> [String] {
        try await engine.storage.events(ofType: LateFeeAssessed.eventType, tenant: .any).map { try $0.decodePayload(as: LateFeeAssessed.self).invoiceId }
    }

    @Test("load → events → unload → restart → load again → uninstall")
    func loadUnloadRestart() async throws {
        let path = Fixture.temporaryDatabase()
        defer { Fixture.removeDatabase(path) }
        let plugins: [BillingEngine.PluginRegistration] = [.init { LateFeePlugin() }, .init { OutboxNotificationPlugin() }]

        try await BillingEngine.withEngine(storage: .sqlite(path: path), plugins: plugins) { engine in
            // A plugin installed now acts only on what comes after: its new subscription starts at the end.
            try await engine.events.publish(InvoiceOverdue(invoice: Fixture.invoice("inv-0"), daysOverdue: 30))
            try await engine.plugins.loadPlugin(OutboxNotificationPlugin.name, settings: ["locale": "fr"])
            try await engine.plugins.loadPlugin(LateFeePlugin.name, settings: ["graceDays": 7])
            try await engine.events.publish(InvoiceOverdue(invoice: Fixture.invoice("inv-1"), daysOverdue: 10))
            let delivered = try await eventually { try await fees(engine) == ["inv-1"] }
            #expect(delivered)
            let queued = try await eventually { await !outboxInvoices(engine).isEmpty }
            #expect(queued)
            let invoices = await outboxInvoices(engine)
            #expect(invoices == ["inv-1"], "the reminder from before the install is not delivered")

            try await engine.plugins.unloadPlugin(LateFeePlugin.name)  // stays installed, inactive
            let listed = try await engine.plugins.installedPlugins()
            #expect(listed.map(\.status) == [.inactive, .active])
        }

        // Restart on the same file: active plugins load again with their persisted settings; inactive ones do not.
        try await BillingEngine.withEngine(storage: .sqlite(path: path), plugins: plugins) { engine in
            let listed = try await engine.plugins.installedPlugins()
            #expect(listed.map(\.name) == [LateFeePlugin.name, OutboxNotificationPlugin.name])
            #expect(listed.map(\.status) == [.inactive, .active])
            #expect(listed[1].settings == ["locale": "fr"])

            // Loaded again, a plugin resumes its subscription where it stopped: it gets what it missed.
            try await engine.events.publish(InvoiceOverdue(invoice: Fixture.invoice("inv-2"), daysOverdue: 10))
            try await engine.plugins.loadPlugin(LateFeePlugin.name, settings: ["graceDays": 7])
            let caughtUp = try await eventually { try await fees(engine) == ["inv-1", "inv-2"] }
            #expect(caughtUp)

            try await engine.plugins.uninstallPlugin(OutboxNotificationPlugin.name)
            try await engine.plugins.uninstallPlugin(LateFeePlugin.name)
            let remaining = try await engine.plugins.installedPlugins()
            #expect(remaining.isEmpty)
        }
    }

    @Test("A plugin that fails to initialize is listed as failed; everything else keeps running; fixed settings load it")
    func failedInitialize() async throws {
        try await BillingEngine.withEngine(
            storage: .inMemory,
            plugins: [
                .init(installAtStart: ["feeBasisPoints": 25_000]) { LateFeePlugin() },  // out of range
                .init(installAtStart: [:]) { OutboxNotificationPlugin() },
            ]
        ) { engine in
            let listed = try await engine.plugins.installedPlugins()
            #expect(listed.map(\.status) == [.failed, .active])
            #expect(listed[0].lastError?.contains("Setting 'feeBasisPoints' must be between 0 and 10000") == true)
            let health = await engine.health()
            #expect(health.status == .degraded)
            let record = try await engine.storage.pluginRecord(named: LateFeePlugin.name)
            #expect(record == nil, "a failed first load persists nothing")

            let error = await #expect(throws: BillingError.self) {
                try await engine.plugins.loadPlugin(LateFeePlugin.name, settings: ["graceDays": -1])
            }
            #expect(error?.code == .pluginFailure)

            try await engine.plugins.loadPlugin(LateFeePlugin.name, settings: ["feeBasisPoints": 300])  // fixed
            let fixed = try await engine.plugins.installedPlugins()
            #expect(fixed.map(\.status) == [.active, .active])
        }
    }

    @Test("Registration refuses an invalid name; loading an unregistered name is not_found")
    func registrationRules() async throws {
        let invalid = #expect(throws: BillingError.self) { try BillingEngine(storage: .inMemory, plugins: [.init { BadlyNamedPlugin() }]) }
        #expect(invalid?.code == .invalidArgument)
        try await BillingEngine.withEngine(storage: .inMemory, plugins: [.init { LateFeePlugin() }]) { engine in
            #expect(engine.plugins.registeredNames == [LateFeePlugin.name])
            let error = await #expect(throws: BillingError.self) { try await engine.plugins.loadPlugin("no-such-plugin") }
            #expect(error?.code == .notFound)
        }
    }
}
