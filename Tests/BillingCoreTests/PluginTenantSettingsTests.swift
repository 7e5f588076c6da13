@testable import BillingCore
import BillingStore
import BillingTesting
import Foundation
import Testing

@Suite("Plugin settings per tenant")
struct PluginTenantSettingsTests {
    @Test("A call and an event use their tenant's settings on top of the defaults; changes need no reload")
    func tenantOverrides() async throws {
        let world = PluginWorld()
        let plugin = ListeningPlugin()
        try world.manager.register { plugin }
        try await world.running {
            try await world.manager.loadPlugin(ListeningPlugin.name, settings: ["apiKey": .secret("sk_default"), "region": "eu"])
            try await world.manager.setSettings(["apiKey": .secret("sk_acme")], forTenant: "acme", of: ListeningPlugin.name)

            _ = try await world.manager.execute(ListeningPlugin.name, context: BillingContext(eventType: .invoicePaid, tenantId: "acme"))
            _ = try await world.manager.execute(ListeningPlugin.name, context: BillingContext(eventType: .invoicePaid, tenantId: "globex"))
            _ = try await world.manager.execute(ListeningPlugin.name, context: BillingContext(eventType: .invoicePaid))
            try await world.bus.publish(BillingEvent(type: .invoicePaid, payload: .sample(.invoicePaid), tenantId: "acme"))
            await world.settle { plugin.contexts.count == 4 }

            let keys = try plugin.contexts.values.map { try $0.settings.secret("apiKey").reveal() }
            #expect(keys == ["sk_acme", "sk_default", "sk_default", "sk_acme"])
            #expect(try plugin.contexts.values.allSatisfy { try $0.settings.string("region") == "eu" }, "defaults stay under a tenant's own values")

            // Changed at run time: the next call sees it, with no reload.
            try await world.manager.setSettings(["apiKey": .secret("sk_acme_rotated")], forTenant: "acme", of: ListeningPlugin.name)
            _ = try await world.manager.execute(ListeningPlugin.name, context: BillingContext(eventType: .invoicePaid, tenantId: "acme"))
            #expect(try plugin.contexts.values.last?.settings.secret("apiKey").reveal() == "sk_acme_rotated")
            try await world.manager.removeSettings(forTenant: "acme", of: ListeningPlugin.name)
            _ = try await world.manager.execute(ListeningPlugin.name, context: BillingContext(eventType: .invoicePaid, tenantId: "acme"))
            #expect(try plugin.contexts.values.last?.settings.secret("apiKey").reveal() == "sk_default")
            try await world.manager.setSettings(["apiKey": .secret("sk_acme")], forTenant: "acme", of: ListeningPlugin.name)
            #expect(try world.manager.settings(forTenant: "acme", of: ListeningPlugin.name) == ["apiKey": "***", "region": "eu"])
        }
    }

    @Test("A tenant without settings and no default fails clearly; another tenant's value is never used")
    func missingSettingIsClear() async throws {
        let world = PluginWorld()
        try world.manager.register { ListeningPlugin() }
        try await world.manager.loadPlugin(ListeningPlugin.name)
        try await world.manager.setSettings(["apiKey": .secret("sk_acme")], forTenant: "acme", of: ListeningPlugin.name)
        let acme = try world.manager.settings(forTenant: "acme", of: ListeningPlugin.name)
        #expect(acme["apiKey"] == "***")
        let plugin = try #require(world.manager.plugin(named: ListeningPlugin.name, as: ListeningPlugin.self))
        _ = try await world.manager.execute(ListeningPlugin.name, context: BillingContext(eventType: .invoicePaid, tenantId: "globex"))
        let globex = try #require(plugin.contexts.values.last?.settings)
        let missing = #expect(throws: BillingError.self) { try globex.secret("apiKey") }
        #expect(missing?.code == .invalidArgument)
        #expect(missing?.field == "apiKey")
    }

    @Test("Tenant settings are stored sealed, survive a restart, and are listed by tenant only")
    func storedSealed() async throws {
        let store = InMemoryEventStore()
        let first = PluginWorld(store: store)
        try first.manager.register { ListeningPlugin() }
        try await first.manager.loadPlugin(ListeningPlugin.name, settings: ["region": "eu"])
        try await first.manager.setSettings(["apiKey": .secret("sk_tenant_secret")], forTenant: "acme", of: ListeningPlugin.name)
        let record = try #require(try await store.pluginRecord(named: ListeningPlugin.name))
        #expect(!CanonicalJSON.string(.object(JSONObject(record.tenantSettings.mapValues(\.json)))).contains("sk_tenant_secret"))
        #expect(try await first.installed(ListeningPlugin.name)?.tenantsWithSettings == ["acme"])

        let second = PluginWorld(store: store)
        let plugin = ListeningPlugin()
        try second.manager.register { plugin }
        #expect(try await second.manager.loadPersistedPlugins().isEmpty)
        _ = try await second.manager.execute(ListeningPlugin.name, context: BillingContext(eventType: .invoicePaid, tenantId: "acme"))
        #expect(try plugin.contexts.values.last?.settings.secret("apiKey").reveal() == "sk_tenant_secret")
    }

    @Test("A sealed value moved to another plugin or tenant does not open")
    func sealedValuesAreBoundToTheirPlace() async throws {
        let store = InMemoryEventStore()
        let world = PluginWorld(store: store)
        try world.manager.register { ListeningPlugin() }
        try world.manager.register { MockTaxPlugin() }
        try await world.manager.loadPlugin(ListeningPlugin.name, settings: ["apiKey": .secret("sk_listener")])
        try await world.manager.loadPlugin(MockTaxPlugin.name, settings: ["apiKey": .secret("sk_tax")])
        // Someone with write access to the database copies the listener's sealed key into the tax plugin's row.
        let listener = try #require(try await store.pluginRecord(named: ListeningPlugin.name))
        let tax = try #require(try await store.pluginRecord(named: MockTaxPlugin.name))
        try await store.savePluginRecord(tax.with(settings: listener.settings, updatedAt: Date()))
        try await world.manager.unloadPlugin(MockTaxPlugin.name, deactivate: false)
        let restarted = PluginWorld(store: store)
        try restarted.manager.register { MockTaxPlugin() }
        try restarted.manager.register { ListeningPlugin() }
        let failed = try await restarted.manager.loadPersistedPlugins()
        #expect(failed == [MockTaxPlugin.name])
        #expect(try await restarted.installed(ListeningPlugin.name)?.status == .active)
    }
}
