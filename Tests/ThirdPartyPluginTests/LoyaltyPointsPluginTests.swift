import BillingCore
import BillingTesting
import Testing

/// Developed only against BillingTesting: a harness, a recorder, and plain events.
@Suite("A third-party plugin, tested with BillingTesting")
struct LoyaltyPointsPluginTests {
    let invoice = InvoiceSnapshot(
        id: "inv-7", userId: "u-7", status: "paid",
        subtotal: Money(minorUnits: 10_000, currency: .usd), tax: Money(minorUnits: 1_900, currency: .usd), total: Money(minorUnits: 11_999, currency: .usd)
    )

    @Test("A paid invoice awards points per whole unit, once, even when redelivered")
    func awardsPointsOnce() async throws {
        let harness = PluginHarness(plugin: LoyaltyPointsPlugin(), settings: ["pointsPerUnit": 10])
        try await harness.initialize()

        let result = try await harness.deliver(InvoicePaid(invoice: invoice, paymentId: "pay-7"), tenantId: "shop-1")
        #expect(result.success)
        #expect(result.data == ["points": 1190])
        let awarded = try await harness.recorder.expect(LoyaltyPointsPlugin.pointsAwarded)
        #expect(awarded.payload == ["userId": "u-7", "points": 1190])
        #expect(awarded.tenantId == "shop-1")

        let paid = try #require(harness.recorder.events(of: .invoicePaid).first)
        _ = try await harness.redeliver(paid)
        #expect(harness.recorder.events(of: LoyaltyPointsPlugin.pointsAwarded).count == 1)
        try await harness.shutdown()
    }

    @Test("Zero-decimal currencies count whole units")
    func zeroDecimalCurrency() async throws {
        let harness = PluginHarness(plugin: LoyaltyPointsPlugin())
        try await harness.initialize()
        var yen = invoice
        yen.total = Money(minorUnits: 5_400, currency: .jpy)
        let result = try await harness.deliver(InvoicePaid(invoice: yen))
        #expect(result.data == ["points": 5400])
    }

    @Test("Other events are ignored; a bad setting fails initialization with the key named")
    func settingsAndIgnoredEvents() async throws {
        let harness = PluginHarness(plugin: LoyaltyPointsPlugin(), settings: ["pointsPerUnit": 0])
        do {
            try await harness.initialize()
            Issue.record("a zero rate was accepted")
        } catch let error as BillingError {
            #expect(error.field == "pointsPerUnit")
        }
        let ignoring = PluginHarness(plugin: LoyaltyPointsPlugin())
        try await ignoring.initialize()
        let result = try await ignoring.deliver(InvoiceOverdue(invoice: invoice, daysOverdue: 3))
        #expect(result.success)
        try await ignoring.recorder.expectNone(LoyaltyPointsPlugin.pointsAwarded)
    }
}
