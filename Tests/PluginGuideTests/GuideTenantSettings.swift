import Bilingus
import BillingTesting
import Testing

// MARK: - Sample: a tenant's own settings (Documentation/PluginGuide.md, "Settings per tenant")

/// A tenant brings its own mail account: its key is stored sealed and used from its next event on.
func useOwnMailAccount(tenant: String, apiKey: String, in engine: BillingEngine) async throws {
    try await engine.plugins.setSettings(["apiKey": .secret(apiKey)], forTenant: tenant, of: ReceiptPlugin.name)
}

// MARK: - Tests

@Suite("Guide: settings per tenant")
struct GuideTenantSettingsTests {
    func paid(_ invoice: String, tenant: String, in engine: BillingEngine) async throws {
        try await engine.events.publish(InvoicePaid(invoice: Fixture.invoice(invoice)), tenantId: tenant)
    }

    @Test("A tenant's own key is used from its next event, without a reload, and survives a restart; removing it restores the default")
    func ownKeyPerTenant() async throws {
        let mailer = FakeMailer()
        let path = Fixture.temporaryDatabase()
        defer { Fixture.removeDatabase(path) }
        let plugins: [BillingEngine.PluginRegistration] = [.init(installAtStart: ["apiKey": .secret("key-platform")]) { ReceiptPlugin(mailer: mailer) }]

        try await BillingEngine.withEngine(storage: .sqlite(path: path), plugins: plugins) { engine in
            try await paid("inv-1", tenant: "beta", in: engine)
            _ = try await eventually { mailer.sent.count == 1 }
            try await useOwnMailAccount(tenant: "beta", apiKey: "key-beta-own", in: engine)
            try await paid("inv-2", tenant: "beta", in: engine)
            try await paid("inv-3", tenant: "acme", in: engine)
            _ = try await eventually { mailer.sent.count == 3 }

            let listed = try #require(try await engine.plugins.installedPlugins().first)
            #expect(listed.tenantsWithSettings == ["beta"])
            #expect(listed.settings == ["apiKey": "***"])
            let effective = try engine.plugins.settings(forTenant: "beta", of: ReceiptPlugin.name)
            #expect(effective == ["apiKey": "***"])
            let record = try #require(try await engine.storage.pluginRecord(named: ReceiptPlugin.name))
            let stored = CanonicalJSON.string(try #require(record.tenantSettings["beta"]).json)
            #expect(stored.contains("sealed") && !stored.contains("key-beta-own"))
        }
        #expect(mailer.sent.map(\.apiKey) == ["key-platform", "key-beta-own", "key-platform"])

        try await BillingEngine.withEngine(storage: .sqlite(path: path), plugins: plugins) { engine in
            try await paid("inv-4", tenant: "beta", in: engine)
            _ = try await eventually { mailer.sent.count == 4 }
            try await engine.plugins.removeSettings(forTenant: "beta", of: ReceiptPlugin.name)
            try await paid("inv-5", tenant: "beta", in: engine)
            _ = try await eventually { mailer.sent.count == 5 }
            let listed = try await engine.plugins.installedPlugins()
            #expect(listed.first?.tenantsWithSettings == [])
        }
        #expect(mailer.sent.suffix(2).map(\.apiKey) == ["key-beta-own", "key-platform"])
        #expect(mailer.sent.map(\.receipt.invoiceId) == ["inv-1", "inv-2", "inv-3", "inv-4", "inv-5"])
    }

    @Test("The harness takes tenants' settings too; a tenant without its own uses the defaults")
    func inTheHarness() async throws {
        let mailer = FakeMailer()
        let harness = PluginHarness(
            plugin: ReceiptPlugin(mailer: mailer), settings: ["apiKey": .secret("key-platform")],
            tenantSettings: ["beta": ["apiKey": .secret("key-beta-own")]]
        )
        try await harness.initialize()
        try await harness.deliver(InvoicePaid(invoice: Fixture.invoice()), tenantId: "beta")
        try await harness.deliver(InvoicePaid(invoice: Fixture.invoice()), tenantId: "acme")
        try await harness.deliver(InvoicePaid(invoice: Fixture.invoice()))
        #expect(mailer.sent.map(\.apiKey) == ["key-beta-own", "key-platform", "key-platform"])
    }

    @Test("Setting a tenant's settings for a plugin that is not installed fails")
    func unknownPlugin() async throws {
        let error = try await BillingEngine.withEngine(storage: .inMemory) { engine in
            await #expect(throws: BillingError.self) {
                try await useOwnMailAccount(tenant: "beta", apiKey: "key", in: engine)
            }
        }
        #expect(error?.code == .notFound)
    }
}
