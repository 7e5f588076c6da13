import Bilingus
import BillingTesting
import Testing

// The narrow PluginConfig (Documentation/PluginGuide.md, "What a plugin is given"): what
// the guide promises about it, checked on the config a plugin really receives.

@Suite("Guide: what a plugin is given")
struct GuidePluginConfigTests {
    @Test("A plugin gets a publisher and a reader, never the bus or the store behind them")
    func noBusNoStore() async throws {
        let harness = PluginHarness(plugin: LateFeePlugin())
        let config = harness.config
        #expect(config.pluginName == LateFeePlugin.name)
        #expect(config.publisher as? EventBus == nil)
        #expect(config.events as? InMemoryEventStore == nil)
        #expect(config.events as? any EventStore == nil)
        #expect(config.events as? any PluginStateStore == nil)

        // What it does get works: publish, then read back.
        let stored = try await config.publisher.publish(InvoicePaid(invoice: Fixture.invoice()), tenantId: "acme")
        let read = try await config.events.event(id: stored.event.id)
        #expect(read?.sequence == stored.event.sequence)
        #expect(try await config.events.headSequence() == 1)
    }

    @Test("Settings for a tenant are the defaults with that tenant's own on top, never another tenant's")
    func settingsForTenant() throws {
        let harness = PluginHarness(
            plugin: LateFeePlugin(), settings: ["feeBasisPoints": 200, "graceDays": 14],
            tenantSettings: ["beta": ["feeBasisPoints": 500], "gamma": ["graceDays": 0]]
        )
        let beta = try LateFeeTerms(harness.config.settings(forTenant: "beta"))
        #expect((beta.feeBasisPoints, beta.graceDays) == (500, 14))
        let acme = try LateFeeTerms(harness.config.settings(forTenant: "acme"))
        #expect((acme.feeBasisPoints, acme.graceDays) == (200, 14))
        let untenanted = try LateFeeTerms(harness.config.settings(forTenant: nil))
        #expect((untenanted.feeBasisPoints, untenanted.graceDays) == (200, 14))
    }

    @Test("State is the plugin's own: another plugin's state under the same key is another entry")
    func stateIsNamespaced() async throws {
        let harness = PluginHarness(plugin: LateFeePlugin())
        let other = PluginState(plugin: "someone-else", store: harness.store, wallClock: harness.clock.wallClock)
        try await other.put("shared-key", ["owner": "someone-else"])
        #expect(try await harness.state.get("shared-key") == nil)
        let claimed = try await harness.state.claim("shared-key", ["owner": "late-fees"])
        #expect(claimed != nil)
        #expect(try await other.get("shared-key")?.value == ["owner": "someone-else"])
        #expect(harness.state.plugin == LateFeePlugin.name)
    }
}
