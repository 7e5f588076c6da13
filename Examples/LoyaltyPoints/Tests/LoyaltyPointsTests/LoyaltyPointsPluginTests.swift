import BillingCore
import BillingTesting
import LoyaltyPoints
import Testing

/// Developed only against the public API and BillingTesting: a harness, a recorder, plain events.
@Suite("LoyaltyPointsPlugin, a third-party plugin tested with BillingTesting")
struct LoyaltyPointsPluginTests {
    let invoice = InvoiceSnapshot(
        id: "inv-7", userId: "u-7", status: "paid",
        subtotal: Money(minorUnits: 10_000, currency: .usd), tax: Money(minorUnits: 1_999, currency: .usd), total: Money(minorUnits: 11_999, currency: .usd)
    )

    @Test("A paid invoice awards points per whole unit, once, even when redelivered")
    func awardsPointsOnce() async throws {
        let harness = PluginHarness(plugin: LoyaltyPointsPlugin(), settings: ["pointsPerUnit": 10])
        try await harness.initialize()

        let result = try await harness.deliver(InvoicePaid(invoice: invoice, paymentId: "pay-7"), tenantId: "shop-1")
        #expect(result.success)
        #expect(result.data == ["points": 1190])
        let awarded = try await harness.recorder.expect(LoyaltyPointsAwarded.eventType)
        #expect(try awarded.decodePayload(as: LoyaltyPointsAwarded.self) == LoyaltyPointsAwarded(userId: "u-7", invoiceId: "inv-7", points: 1190))
        #expect(awarded.tenantId == "shop-1")
        #expect(awarded.userId == "u-7")

        let paid = try #require(harness.recorder.events(of: .invoicePaid).first)
        #expect(awarded.causationId == paid.id)
        _ = try await harness.redeliver(paid)
        #expect(harness.recorder.events(of: LoyaltyPointsAwarded.eventType).count == 1)
        try await harness.shutdown()
        #expect(await harness.plugin.healthCheck() == .unhealthy("not initialized"))
    }

    @Test("Whole units in any currency: zero-decimal yen, three-decimal dinar")
    func currencies() async throws {
        let harness = PluginHarness(plugin: LoyaltyPointsPlugin())
        try await harness.initialize()
        var yen = invoice
        yen.total = Money(minorUnits: 5_400, currency: .jpy)
        #expect(try await harness.deliver(InvoicePaid(invoice: yen)).data == ["points": 5400])
        var dinar = invoice
        dinar.total = Money(minorUnits: 12_999, currency: .kwd)
        #expect(try await harness.deliver(InvoicePaid(invoice: dinar)).data == ["points": 12])
    }

    @Test("Other events are ignored; bad settings fail initialization with the key named; overflow is an error")
    func settingsAndIgnoredEvents() async throws {
        let harness = PluginHarness(plugin: LoyaltyPointsPlugin(), settings: ["pointsPerUnit": 0])
        let error = await #expect(throws: BillingError.self) { try await harness.initialize() }
        #expect(error?.field == "pointsPerUnit")

        let ignoring = PluginHarness(plugin: LoyaltyPointsPlugin())
        try await ignoring.initialize()
        let result = try await ignoring.deliver(InvoiceOverdue(invoice: invoice, daysOverdue: 3))
        #expect(result.success)
        try await ignoring.recorder.expectNone(LoyaltyPointsAwarded.eventType)

        let greedy = PluginHarness(plugin: LoyaltyPointsPlugin(), settings: ["pointsPerUnit": .init(.int(.max))])
        try await greedy.initialize()
        await #expect(throws: BillingError.self) { try await greedy.deliver(InvoicePaid(invoice: invoice)) }
        try await greedy.recorder.expectNone(LoyaltyPointsAwarded.eventType)
    }
}
