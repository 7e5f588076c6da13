import BillingCore
import BillingTesting
import Testing

// MARK: - Sample: a flat-rate TaxPlugin (Documentation/PluginGuide.md, "TaxPlugin")

actor FlatTaxPlugin: TaxPlugin {
    static let name = "flat-tax"
    nonisolated let version = "1.0.0"
    nonisolated let description = "One tax rate for everything"
    nonisolated let author = "Acme Corp"

    private var rateBasisPoints: Int64?
    private var jurisdiction = "FLAT"

    func initialize(_ config: PluginConfig) async throws {
        let rate = try config.settings.int("rateBasisPoints")  // 1900 = 19 %
        guard (0...10_000).contains(rate) else {
            throw BillingError(.invalidArgument, "Setting 'rateBasisPoints' must be between 0 and 10000", field: "rateBasisPoints")
        }
        rateBasisPoints = rate
        jurisdiction = try config.settings.string("jurisdiction", default: "FLAT")
    }

    /// In a payment pipeline: the tax included in the payment's amount.
    func execute(_ context: BillingContext) async throws -> PluginResult {
        guard context.eventType == .paymentInitiated else { return .success() }
        let payment = try context.decodePayload(as: PaymentInitiated.self).payment
        let request = TaxCalculationRequest(
            lineItems: [TaxLineItem(id: payment.id, amount: payment.amount)], country: context.user?.country ?? "",
            pricesIncludeTax: true
        )
        return .success(try CanonicalJSON.value(from: try await calculateTax(request)))
    }

    func calculateTax(_ request: TaxCalculationRequest) async throws -> TaxResult {
        guard let rate = rateBasisPoints else { throw BillingError(.unsupported, "flat-tax is not initialized") }
        guard let currency = request.lineItems.first?.amount.currency else {
            throw BillingError(.invalidArgument, "There is nothing to tax", field: "lineItems")
        }
        let amounts = request.lineItems.map(\.amount)
        guard !amounts.contains(where: \.isNegative) else {
            throw BillingError(.invalidArgument, "Line amounts must not be negative", field: "lineItems")
        }
        let sum = try Money.sum(amounts, currency: currency)  // throws on mixed currencies
        // Round once, on the total; per-line rounding would gain or lose minor units.
        let totalTax: Money
        if request.pricesIncludeTax {
            totalTax = try sum.subtracting(try sum.multiplied(by: 10_000, dividedBy: 10_000 + rate, rounding: .halfEven))
        } else {
            totalTax = try sum.multiplied(by: rate, dividedBy: 10_000, rounding: .halfEven)
        }
        // Then share it out in proportion to the lines: the shares add up exactly.
        // (allocate needs a positive total; when every line is zero, so is every share.)
        let shares = try sum.isZero ? amounts : totalTax.allocate(amounts.map(\.minorUnits))
        var lines: [TaxLine] = []
        for (item, share) in zip(request.lineItems, shares) {
            let net = try request.pricesIncludeTax ? item.amount.subtracting(share) : item.amount
            lines.append(TaxLine(id: item.id, taxableAmount: net, taxAmount: share, rateBasisPoints: Int(rate), jurisdiction: jurisdiction))
        }
        let subtotal = try Money.sum(lines.map(\.taxableAmount), currency: currency)
        return TaxResult(lines: lines, subtotal: subtotal, totalTax: totalTax, total: try subtotal.adding(totalTax))
    }

    func validateTaxNumber(_ taxNumber: String, country: String) async throws -> Bool {
        // No per-country rules here: accept any plausible identifier.
        (4...20).contains(taxNumber.count) && taxNumber.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }

    func shutdown() async throws {
        rateBasisPoints = nil
    }
}

// MARK: - Tests

@Suite("Guide: TaxPlugin sample")
struct GuideTaxPluginTests {
    func cents(_ minorUnits: Int64) -> Money { Money(minorUnits: minorUnits, currency: .usd) }

    @Test("Tax is rounded once and allocated, so no minor unit is lost or invented")
    func noMinorUnitLost() async throws {
        let harness = PluginHarness(plugin: FlatTaxPlugin(), settings: ["rateBasisPoints": 500])
        try await harness.initialize()
        // Three lines of 0.10 at 5 %: 0.005 each would round to 0.00 each, but the total's tax is 0.015 → 0.02.
        let request = TaxCalculationRequest(
            lineItems: ["a", "b", "c"].map { TaxLineItem(id: $0, amount: cents(10)) }, country: "US"
        )
        let result = try await harness.plugin.calculateTax(request)
        #expect(result.totalTax == cents(2))
        #expect(result.lines.map(\.taxAmount) == [cents(1), cents(1), cents(0)])
        #expect(result.subtotal == cents(30))
        #expect(result.total == cents(32))
    }

    @Test("Prices that include tax are split into net and tax")
    func inclusive() async throws {
        let harness = PluginHarness(plugin: FlatTaxPlugin(), settings: ["rateBasisPoints": 1900, "jurisdiction": "DE"])
        try await harness.initialize()
        let result = try await harness.plugin.calculateTax(
            TaxCalculationRequest(lineItems: [TaxLineItem(id: "x", amount: cents(119))], country: "DE", pricesIncludeTax: true)
        )
        #expect(result.lines == [TaxLine(id: "x", taxableAmount: cents(100), taxAmount: cents(19), rateBasisPoints: 1900, jurisdiction: "DE")])
        #expect(result.total == cents(119))
    }

    @Test("In a pipeline it returns the TaxResult as data; mixed currencies and bad settings are errors")
    func pipelineAndErrors() async throws {
        let harness = PluginHarness(plugin: FlatTaxPlugin(), settings: ["rateBasisPoints": 1900])
        try await harness.initialize()
        let payment = PaymentSnapshot(id: "pay-1", userId: "u-1", amount: cents(11_900), status: "pending")
        let result = try await harness.deliver(PaymentInitiated(payment: payment))
        let tax = try CanonicalJSON.decode(TaxResult.self, from: try #require(result.data))
        #expect(tax.totalTax == cents(1_900))

        let mixed = TaxCalculationRequest(
            lineItems: [TaxLineItem(id: "a", amount: cents(100)), TaxLineItem(id: "b", amount: Money(minorUnits: 100, currency: .eur))],
            country: "DE"
        )
        await #expect(throws: BillingError.self) { try await harness.plugin.calculateTax(mixed) }
        #expect(try await harness.plugin.validateTaxNumber("DE123456789", country: "DE"))
        #expect(try await !harness.plugin.validateTaxNumber("", country: "DE"))

        let bad = PluginHarness(plugin: FlatTaxPlugin(), settings: ["rateBasisPoints": "19%"])
        let error = await #expect(throws: BillingError.self) { try await bad.initialize() }
        #expect(error?.field == "rateBasisPoints")
        #expect(error?.message.contains("19%") == false, "errors name the key, never the value")
    }
}
