import BillingCore
import BillingPlugins
import BillingTesting
import Testing

/// The plugin: lifecycle, `calculateTax`, `validateTaxNumber` and `execute` through `PluginHarness`.
@Suite("RuleBasedTaxPlugin")
struct RuleBasedTaxPluginTests {
    static let settings = TaxRulesTests.settings(["rates": ["DE": 1_900, "FR": 2_000, "US-CA": 725], "sellerCountry": "DE"])

    static func initiated(_ minorUnits: Int64, id: String = "pay-1") -> PaymentInitiated {
        PaymentInitiated(payment: PaymentSnapshot(id: id, userId: "u-1", amount: Money(minorUnits: minorUnits, currency: .eur), status: "pending"))
    }

    @Test("Identity, and calls before initialize fail clearly")
    func lifecycle() async throws {
        let plugin = RuleBasedTaxPlugin()
        #expect(plugin.name == "tax-rules")
        #expect(RuleBasedTaxPlugin.name == "tax-rules")
        #expect(plugin.version == "1.0.0")
        #expect(plugin.author == "Bilingus")
        #expect(plugin.eventPatterns.isEmpty)

        let request = TaxCalculationRequest(lineItems: TaxRulesTests.lines([100]), country: "DE")
        let early = await #expect(throws: BillingError.self) { try await plugin.calculateTax(request) }
        #expect(early?.code == .pluginFailure)
        let notReady = try await plugin.execute(BillingContext(event: BillingEvent(Self.initiated(100))))
        #expect(!notReady.success)
        #expect(notReady.error == "not initialized")
        // Tax numbers need no settings.
        #expect(try await plugin.validateTaxNumber("DE 136 695 976", country: "DE"))
        #expect(try await plugin.validateTaxNumber("DE 136 695 97", country: "DE") == false)

        let harness = PluginHarness(plugin: plugin, settings: Self.settings)
        try await harness.initialize()
        let result = try await plugin.calculateTax(request)
        #expect(result == (try TaxRules(settings: Self.settings).calculate(request)))
        #expect(result.totalTax == Money(minorUnits: 19, currency: .eur))

        try await harness.shutdown()
        await #expect(throws: BillingError.self) { try await plugin.calculateTax(request) }
        #expect(try await plugin.execute(BillingContext(event: BillingEvent(Self.initiated(100)))).error == "not initialized")
    }

    @Test("payment.initiated: the tax included in the amount, for the country in the event's metadata")
    func executeWithMetadataCountry() async throws {
        let harness = PluginHarness(plugin: RuleBasedTaxPlugin(), settings: Self.settings)
        try await harness.initialize()
        let event = try BillingEvent(Self.initiated(11_900), timestamp: harness.clock.wallClock.now(), metadata: ["country": "de"])
        let result = try await harness.deliver(event)
        #expect(result.success)
        #expect(result.shouldContinue)
        let tax = try CanonicalJSON.decode(TaxResult.self, from: try #require(result.data))
        #expect(tax.lines.map(\.id) == ["pay-1"])
        #expect(tax.lines[0].jurisdiction == "DE")
        #expect(tax.totalTax == Money(minorUnits: 1_900, currency: .eur))
        #expect(tax.subtotal == Money(minorUnits: 10_000, currency: .eur))
        #expect(tax.total == Money(minorUnits: 11_900, currency: .eur))

        let regional = try BillingEvent(Self.initiated(10_725, id: "pay-2"), timestamp: harness.clock.wallClock.now(), metadata: ["country": "US", "region": "CA"])
        let californian = try CanonicalJSON.decode(TaxResult.self, from: try #require(try await harness.deliver(regional).data))
        #expect(californian.lines[0].jurisdiction == "US-CA")
        #expect(californian.totalTax == Money(minorUnits: 725, currency: .eur))
    }

    @Test("payment.initiated: the user's country when the metadata has none; metadata wins")
    func executeWithUserCountry() async throws {
        let harness = PluginHarness(plugin: RuleBasedTaxPlugin(), settings: Self.settings)
        try await harness.initialize()
        let french = UserSnapshot(id: "u-1", country: "FR")

        let stored = try await harness.bus.publish(try BillingEvent(Self.initiated(12_000), timestamp: harness.clock.wallClock.now())).event
        let byUser = try await harness.plugin.execute(BillingContext(event: stored, user: french))
        let tax = try CanonicalJSON.decode(TaxResult.self, from: try #require(byUser.data))
        #expect(tax.lines[0].jurisdiction == "FR")
        #expect(tax.totalTax == Money(minorUnits: 2_000, currency: .eur))

        let tagged = try await harness.bus.publish(try BillingEvent(Self.initiated(11_900, id: "pay-2"), timestamp: harness.clock.wallClock.now(), metadata: ["country": "DE"])).event
        let byMetadata = try await harness.plugin.execute(BillingContext(event: tagged, user: french))
        #expect(try CanonicalJSON.decode(TaxResult.self, from: try #require(byMetadata.data)).lines[0].jurisdiction == "DE")

        // A direct call (no event) uses the user's country too.
        let direct = BillingContext(eventType: .paymentInitiated, payload: try CanonicalJSON.value(from: Self.initiated(12_000)), user: french)
        #expect(try CanonicalJSON.decode(TaxResult.self, from: try #require(try await harness.plugin.execute(direct).data)).lines[0].jurisdiction == "FR")
    }

    @Test("No country skips without blocking; an unknown country fails; other events pass untouched")
    func executeEdgeCases() async throws {
        let harness = PluginHarness(plugin: RuleBasedTaxPlugin(), settings: Self.settings)
        try await harness.initialize()

        let skipped = try await harness.deliver(Self.initiated(1_000))
        #expect(skipped.success)
        #expect(skipped.shouldContinue)
        #expect(skipped.data == ["skipped": "no country"])
        let blank = try await harness.deliver(try BillingEvent(Self.initiated(1_000, id: "pay-2"), timestamp: harness.clock.wallClock.now(), metadata: ["country": " "]))
        #expect(blank.data == ["skipped": "no country"])

        let unknown = try await harness.deliver(try BillingEvent(Self.initiated(1_000, id: "pay-3"), timestamp: harness.clock.wallClock.now(), metadata: ["country": "BR"]))
        #expect(!unknown.success)
        #expect(!unknown.shouldContinue)
        #expect(unknown.error?.contains("BR") == true)

        let completed = PaymentCompleted(payment: Self.initiated(1_000, id: "pay-4").payment)
        let other = try await harness.deliver(try BillingEvent(completed, timestamp: harness.clock.wallClock.now(), metadata: ["country": "DE"]))
        #expect(other.success)
        #expect(other.data == nil)
    }
}
