import BillingCore
import BillingPlugins
import BillingTesting
import Testing

/// The rule set and the calculation, without the plugin around them.
@Suite("TaxRules")
struct TaxRulesTests {
    static func settings(_ values: [String: JSONValue]) -> PluginSettings {
        PluginSettings(values.mapValues { PluginSettings.Value($0) })
    }

    static func money(_ minorUnits: Int64, _ currency: CurrencyCode = .eur) -> Money {
        Money(minorUnits: minorUnits, currency: currency)
    }

    /// Lines of the given amounts, ids `l0`, `l1`, ….
    static func lines(_ amounts: [Int64], _ currency: CurrencyCode = .eur, taxCode: String? = nil) -> [TaxLineItem] {
        amounts.enumerated().map { TaxLineItem(id: "l\($0.offset)", amount: money($0.element, currency), taxCode: taxCode) }
    }

    /// The invariants every result must satisfy, whatever the rates.
    static func expectBalanced(_ result: TaxResult, _ request: TaxCalculationRequest) throws {
        let currency = try #require(request.lineItems.first).amount.currency
        #expect(result.lines.map(\.id) == request.lineItems.map(\.id))
        #expect(try Money.sum(result.lines.map(\.taxAmount), currency: currency) == result.totalTax)
        #expect(try Money.sum(result.lines.map(\.taxableAmount), currency: currency) == result.subtotal)
        #expect(try result.subtotal.adding(result.totalTax) == result.total)
        if request.pricesIncludeTax {
            #expect(try Money.sum(request.lineItems.map(\.amount), currency: currency) == result.total)
        } else {
            #expect(result.lines.map(\.taxableAmount) == request.lineItems.map(\.amount))
        }
    }

    static let regional = try! TaxRules(
        settings: settings(["rates": ["de": 1900, "US": 0, "us-ca": 725, "CA": 500, "CA-QC": 1498]])
    )

    @Test(
        "Rates are looked up by COUNTRY-REGION, then COUNTRY, case-insensitively",
        arguments: [
            ("DE", nil, 1900, "DE"), ("de", nil, 1900, "DE"), ("DE", "BY", 1900, "DE"),
            ("US", "CA", 725, "US-CA"), ("us", "ca", 725, "US-CA"), ("US", "US-CA", 725, "US-CA"), ("US", "NY", 0, "US"),
            ("CA", "QC", 1498, "CA-QC"), ("CA", "ON", 500, "CA"), ("CA", "", 500, "CA"),
        ] as [(String, String?, Int, String)]
    )
    func lookup(country: String, region: String?, rate: Int, jurisdiction: String) throws {
        let request = TaxCalculationRequest(lineItems: Self.lines([10_000]), country: country, region: region)
        let result = try Self.regional.calculate(request)
        #expect(result.lines[0].rateBasisPoints == rate)
        #expect(result.lines[0].jurisdiction == jurisdiction)
        #expect(result.totalTax == Self.money(Int64(rate)))
        #expect(Self.regional.rates["US-CA"] == 725)
        #expect(Self.regional.rates["us-ca"] == nil)
    }

    @Test("A tax code overrides the rate, region first, and beats a region's general rate")
    func taxCodeOverride() throws {
        let rules = try TaxRules(
            rates: ["DE": 1900, "US-CA": 725, "US": 0, "CA": 500, "CA-ON": 1300],
            taxCodeRates: ["de": ["books": 700], "US-CA": ["food": 0], "CA": ["groceries": 0]]
        )
        let items = [
            TaxLineItem(id: "book", amount: Self.money(1_000), taxCode: "books"),
            TaxLineItem(id: "other-code", amount: Self.money(1_000), taxCode: "toys"),
            TaxLineItem(id: "no-code", amount: Self.money(1_000)),
            TaxLineItem(id: "case-sensitive", amount: Self.money(1_000), taxCode: "BOOKS"),
        ]
        let german = try rules.calculate(TaxCalculationRequest(lineItems: items, country: "DE"))
        #expect(german.lines.map(\.rateBasisPoints) == [700, 1900, 1900, 1900])
        #expect(german.lines.map(\.taxAmount.minorUnits) == [70, 190, 190, 190])
        #expect(german.totalTax == Self.money(640))

        let food = [TaxLineItem(id: "food", amount: Self.money(1_000), taxCode: "food"), TaxLineItem(id: "tv", amount: Self.money(1_000))]
        let california = try rules.calculate(TaxCalculationRequest(lineItems: food, country: "US", region: "CA"))
        #expect(california.lines.map(\.rateBasisPoints) == [0, 725])
        #expect(california.lines.map(\.jurisdiction) == ["US-CA", "US-CA"])
        let texas = try rules.calculate(TaxCalculationRequest(lineItems: food, country: "US", region: "TX"))
        #expect(texas.lines.map(\.jurisdiction) == ["US", "US"])

        let groceries = [TaxLineItem(id: "milk", amount: Self.money(1_000), taxCode: "groceries"), TaxLineItem(id: "tv", amount: Self.money(1_000))]
        let ontario = try rules.calculate(TaxCalculationRequest(lineItems: groceries, country: "CA", region: "ON"))
        #expect(ontario.lines.map(\.rateBasisPoints) == [0, 1300])
        #expect(ontario.lines.map(\.jurisdiction) == ["CA", "CA-ON"])
    }

    @Test("An unknown country is an error unless there is a default rate")
    func unknownCountry() throws {
        let request = TaxCalculationRequest(lineItems: Self.lines([1_000]), country: "BR")
        let error = #expect(throws: BillingError.self) { try Self.regional.calculate(request) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.field == "country")

        let withDefault = try TaxRules(rates: ["DE": 1900], defaultRateBasisPoints: 1_500)
        let result = try withDefault.calculate(request)
        #expect(result.lines[0].rateBasisPoints == 1_500)
        #expect(result.lines[0].jurisdiction == "BR (default)")
        #expect(result.totalTax == Self.money(150))
        #expect(try withDefault.calculate(TaxCalculationRequest(lineItems: Self.lines([1_000]), country: "de")).lines[0].jurisdiction == "DE")
    }

    @Test("A malformed country or region is an error naming it")
    func malformedCodes() {
        for (country, region, field) in [("Germany", nil, "country"), ("", nil, "country"), ("D1", nil, "country"), ("US", "CALIFORNIA", "region"), ("US", "C A", "region")] as [(String, String?, String)] {
            let error = #expect(throws: BillingError.self) {
                try Self.regional.calculate(TaxCalculationRequest(lineItems: Self.lines([100]), country: country, region: region))
            }
            #expect(error?.field == field, "\(country) \(region ?? "-")")
        }
    }

    @Test("Exclusive: a rate's tax is rounded once on its total, then split without losing or inventing a cent")
    func exclusiveGroupRounding() throws {
        let rules = try TaxRules(rates: ["DE": 1_000], taxCodeRates: ["DE": ["reduced": 500]])
        // 3 × 0.05 at 10 %: per line 0.005 would round to 0.01 each (0.03); the total 0.015 rounds to 0.02.
        let invented = TaxCalculationRequest(lineItems: Self.lines([5, 5, 5]), country: "DE")
        let up = try rules.calculate(invented)
        #expect(up.totalTax == Self.money(2))
        #expect(up.lines.map(\.taxAmount.minorUnits) == [1, 1, 0])
        try Self.expectBalanced(up, invented)

        // 3 × 0.04 at 10 %: per line 0.004 rounds to 0 (0.00 total); the total 0.012 rounds to 0.01.
        let lost = TaxCalculationRequest(lineItems: Self.lines([4, 4, 4]), country: "DE")
        let down = try rules.calculate(lost)
        #expect(down.totalTax == Self.money(1))
        #expect(down.lines.map(\.taxAmount.minorUnits) == [1, 0, 0])
        try Self.expectBalanced(down, lost)

        // Two rates, interleaved: each group is rounded on its own total and split by amount.
        let items = [
            TaxLineItem(id: "a", amount: Self.money(1_005)), TaxLineItem(id: "r1", amount: Self.money(3), taxCode: "reduced"),
            TaxLineItem(id: "b", amount: Self.money(3_005)), TaxLineItem(id: "r2", amount: Self.money(3), taxCode: "reduced"),
            TaxLineItem(id: "r3", amount: Self.money(3), taxCode: "reduced"),
        ]
        let mixed = TaxCalculationRequest(lineItems: items, country: "DE")
        let result = try rules.calculate(mixed)
        // 10 %: 40.10 → 4.01 (per line 1.005 + 3.005 would give 1.01 + 3.01 = 4.02).
        // 5 %: 0.09 → 0.0045 → 0.00 (per line 0.0015 ×3 rounds to 0 too).
        #expect(result.lines.map(\.taxAmount.minorUnits) == [101, 0, 300, 0, 0])
        #expect(result.lines.map(\.rateBasisPoints) == [1_000, 500, 1_000, 500, 500])
        #expect(result.totalTax == Self.money(401))
        #expect(result.subtotal == Self.money(4_019))
        #expect(result.total == Self.money(4_420))
        try Self.expectBalanced(result, mixed)
    }

    @Test("Inclusive: tax = gross − round(gross / (1 + rate)), split by line; the customer pays exactly the prices")
    func inclusiveGroupRounding() throws {
        let rules = try TaxRules(rates: ["DE": 1_900])
        // 7 × 0.10 at 19 %: per line net 0.084 → 0.08, tax 0.02 each (0.14); the total's net 0.5882 → 0.59, tax 0.11.
        let request = TaxCalculationRequest(lineItems: Self.lines(Array(repeating: 10, count: 7)), country: "DE", pricesIncludeTax: true)
        let result = try rules.calculate(request)
        #expect(result.totalTax == Self.money(11))
        #expect(result.subtotal == Self.money(59))
        #expect(result.total == Self.money(70))
        #expect(result.lines.map(\.taxAmount.minorUnits) == [2, 2, 2, 2, 1, 1, 1])
        #expect(result.lines.map(\.taxableAmount.minorUnits) == [8, 8, 8, 8, 9, 9, 9])
        try Self.expectBalanced(result, request)

        let simple = TaxCalculationRequest(lineItems: Self.lines([11_900, 5_950]), country: "de", pricesIncludeTax: true)
        let priced = try rules.calculate(simple)
        #expect(priced.lines.map(\.taxAmount.minorUnits) == [1_900, 950])
        #expect(priced.subtotal == Self.money(15_000))
        #expect(priced.total == Self.money(17_850))
        try Self.expectBalanced(priced, simple)
    }

    @Test("halfUp and halfEven differ on a tie, exclusive and inclusive")
    func roundingModes() throws {
        let halfUp = try TaxRules(settings: Self.settings(["rates": ["DE": 1_000]]))
        let halfEven = try TaxRules(settings: Self.settings(["rates": ["DE": 1_000], "rounding": "halfEven"]))
        #expect(halfUp.rounding == .halfUp)
        #expect(halfEven.rounding == .halfEven)
        // 0.25 at 10 % is 0.025: halfUp 0.03, halfEven 0.02.
        let exclusive = TaxCalculationRequest(lineItems: Self.lines([25]), country: "DE")
        #expect(try halfUp.calculate(exclusive).totalTax == Self.money(3))
        #expect(try halfEven.calculate(exclusive).totalTax == Self.money(2))

        // 0.21 at 100 %: net 0.105 is halfUp 0.11 (tax 0.10), halfEven 0.10 (tax 0.11).
        let full = try TaxRules(rates: ["DE": 10_000], rounding: .halfUp)
        let fullEven = try TaxRules(rates: ["DE": 10_000], rounding: .halfEven)
        let inclusive = TaxCalculationRequest(lineItems: Self.lines([21]), country: "DE", pricesIncludeTax: true)
        #expect(try full.calculate(inclusive).totalTax == Self.money(10))
        #expect(try fullEven.calculate(inclusive).totalTax == Self.money(11))
    }

    @Test("Zero-decimal JPY and three-decimal KWD work in their minor units")
    func minorUnitCurrencies() throws {
        let rules = try TaxRules(rates: ["JP": 1_000, "KW": 500])
        // ¥333 + ¥333 + ¥334 at 10 %: ¥100 (per line 33 + 33 + 33 = 99).
        let yen = TaxCalculationRequest(lineItems: Self.lines([333, 333, 334], .jpy), country: "JP")
        let yenResult = try rules.calculate(yen)
        #expect(yenResult.totalTax == Self.money(100, .jpy))
        #expect(yenResult.lines.map(\.taxAmount.minorUnits) == [33, 33, 34])
        #expect(yenResult.total == Self.money(1_100, .jpy))
        try Self.expectBalanced(yenResult, yen)
        let yenGross = TaxCalculationRequest(lineItems: Self.lines([1_100], .jpy), country: "JP", pricesIncludeTax: true)
        #expect(try rules.calculate(yenGross).totalTax == Self.money(100, .jpy))

        // 1.250 KWD twice at 5 %: 0.125 KWD (per line 0.0625 → 0.063 twice = 0.126).
        let dinar = TaxCalculationRequest(lineItems: Self.lines([1_250, 1_250], .kwd), country: "KW")
        let dinarResult = try rules.calculate(dinar)
        #expect(dinarResult.totalTax == Self.money(125, .kwd))
        #expect(dinarResult.lines.map(\.taxAmount.minorUnits) == [63, 62])
        try Self.expectBalanced(dinarResult, dinar)
        let dinarGross = TaxCalculationRequest(lineItems: Self.lines([1_050, 2_100], .kwd), country: "KW", pricesIncludeTax: true)
        let gross = try rules.calculate(dinarGross)
        #expect(gross.totalTax == Self.money(150, .kwd))
        #expect(gross.total == Self.money(3_150, .kwd))
        try Self.expectBalanced(gross, dinarGross)
    }

    @Test("Line items must share a currency, exist, and not be negative")
    func badLineItems() throws {
        let rules = try TaxRules(rates: ["DE": 1_900])
        let mixed = [TaxLineItem(id: "a", amount: Self.money(100)), TaxLineItem(id: "b", amount: Self.money(100, .usd))]
        let mismatch = #expect(throws: BillingError.self) { try rules.calculate(TaxCalculationRequest(lineItems: mixed, country: "DE")) }
        #expect(mismatch?.code == .currencyMismatch)
        #expect(mismatch?.field == "lineItems")

        let negative = [TaxLineItem(id: "a", amount: Self.money(100)), TaxLineItem(id: "credit", amount: Self.money(-50))]
        let credit = #expect(throws: BillingError.self) { try rules.calculate(TaxCalculationRequest(lineItems: negative, country: "DE")) }
        #expect(credit?.code == .invalidArgument)
        #expect(credit?.field == "lineItems")
        #expect(credit?.message.contains("credit") == true)

        let empty = #expect(throws: BillingError.self) { try rules.calculate(TaxCalculationRequest(lineItems: [], country: "DE")) }
        #expect(empty?.code == .invalidArgument)
        #expect(empty?.field == "lineItems")

        // Zero amounts are fine and carry zero tax.
        let zeros = TaxCalculationRequest(lineItems: Self.lines([0, 0]), country: "DE", pricesIncludeTax: true)
        let result = try rules.calculate(zeros)
        #expect(result.totalTax == Self.money(0))
        try Self.expectBalanced(result, zeros)
    }

    @Test("Amounts that overflow 64-bit minor units throw instead of trapping")
    func overflow() throws {
        let rules = try TaxRules(rates: ["DE": 1_900])
        let huge = TaxCalculationRequest(lineItems: Self.lines([Int64.max, 1]), country: "DE")
        let error = #expect(throws: BillingError.self) { try rules.calculate(huge) }
        #expect(error?.code == .overflow)
        let tax = TaxCalculationRequest(lineItems: Self.lines([Int64.max]), country: "DE")
        #expect(throws: BillingError.self) { try rules.calculate(tax) }
    }

    static let seller = try! TaxRules(rates: ["DE": 1_900, "FR": 2_000, "CH": 810, "GR": 2_400], sellerCountry: "de")

    @Test(
        "Reverse charge: EU seller, customer in another member state with a well-formed VAT number",
        arguments: [
            ("FR", "FR 40 303 265 045", 0, "FR (reverse charge)"),
            ("fr", "40303265045", 0, "FR (reverse charge)"),
            ("GR", "EL 094259216", 0, "GR (reverse charge)"),
            ("EL", "094259216", 0, "GR (reverse charge)"),
            ("FR", "FR 123", 2_000, "FR"),  // malformed number
            ("FR", nil, 2_000, "FR"),  // no number
            ("FR", "NL 004495445 B01", 2_000, "FR"),  // another country's number
            ("DE", "DE 136 695 976", 1_900, "DE"),  // same country as the seller
            ("CH", "CHE-107.787.577 MWST", 810, "CH"),  // not an EU customer
        ] as [(String, String?, Int, String)]
    )
    func reverseCharge(country: String, taxNumber: String?, rate: Int, jurisdiction: String) throws {
        #expect(Self.seller.sellerCountry == "DE")
        let request = TaxCalculationRequest(lineItems: Self.lines([10_000, 5_000]), country: country, customerTaxNumber: taxNumber)
        let result = try Self.seller.calculate(request)
        #expect(result.lines.map(\.rateBasisPoints) == [rate, rate])
        #expect(result.lines.map(\.jurisdiction) == [jurisdiction, jurisdiction])
        #expect(result.totalTax == Self.money(Int64(rate) * 15_000 / 10_000))
        #expect(Self.seller.isReverseCharge(country: country, customerTaxNumber: taxNumber) == (rate == 0))
        try Self.expectBalanced(result, request)
    }

    @Test("No reverse charge without an EU seller; inclusive reverse charge leaves the gross untaxed")
    func reverseChargeSeller() throws {
        let request = TaxCalculationRequest(lineItems: Self.lines([10_000]), country: "FR", customerTaxNumber: "FR40303265045")
        for rules in [try TaxRules(rates: ["FR": 2_000]), try TaxRules(rates: ["FR": 2_000], sellerCountry: "CH")] {
            #expect(try rules.calculate(request).lines[0].jurisdiction == "FR")
        }
        var inclusive = request
        inclusive.pricesIncludeTax = true
        let result = try Self.seller.calculate(inclusive)
        #expect(result.totalTax == Self.money(0))
        #expect(result.subtotal == Self.money(10_000))
        // A country with no rate still gets reverse charge: no rate is needed for 0.
        inclusive.country = "AT"
        inclusive.customerTaxNumber = "ATU13585627"
        #expect(try Self.seller.calculate(inclusive).lines[0].jurisdiction == "AT (reverse charge)")
    }

    /// Settings that must be rejected, and the key the error must name.
    static let badSettings: [(values: [String: JSONValue], field: String)] = [
        bad([:], "rates"),
        bad(["rates": 1_900], "rates"),
        bad(["rates": .null], "rates"),
        bad(["rates": ["DE": 10_001]], "rates"),
        bad(["rates": ["DE": -1]], "rates"),
        bad(["rates": ["DE": "19%"]], "rates"),
        bad(["rates": ["DE": 19.0]], "rates"),
        bad(["rates": ["Germany": 1_900]], "rates"),
        bad(["rates": ["US-": 700]], "rates"),
        bad(["rates": ["DE": 1_900, "de": 1_900]], "rates"),
        bad(["rates": [:]], "rates"),
        bad(["rates": ["DE": 1_900], "rounding": "bankers"], "rounding"),
        bad(["rates": ["DE": 1_900], "rounding": 1], "rounding"),
        bad(["rates": ["DE": 1_900], "defaultRateBasisPoints": 10_001], "defaultRateBasisPoints"),
        bad(["rates": ["DE": 1_900], "defaultRateBasisPoints": "5"], "defaultRateBasisPoints"),
        bad(["rates": ["DE": 1_900], "taxCodeRates": ["DE": 700]], "taxCodeRates"),
        bad(["rates": ["DE": 1_900], "taxCodeRates": ["DE": ["books": 10_001]]], "taxCodeRates"),
        bad(["rates": ["DE": 1_900], "taxCodeRates": ["Deutschland": ["books": 700]]], "taxCodeRates"),
        bad(["rates": ["DE": 1_900], "taxCodeRates": ["DE": ["": 700]]], "taxCodeRates"),
        bad(["rates": ["DE": 1_900], "taxCodeRates": [1]], "taxCodeRates"),
        bad(["rates": ["DE": 1_900], "sellerCountry": "Germany"], "sellerCountry"),
        bad(["rates": ["DE": 1_900], "sellerCountry": 49], "sellerCountry"),
        bad(["rates": ["DE": 1_900], "rate": ["FR": 2_000]], "rate"),
    ]

    static func bad(_ values: [String: JSONValue], _ field: String) -> (values: [String: JSONValue], field: String) {
        (values, field)
    }

    @Test("Every bad setting fails with its key named", arguments: badSettings)
    func settingsErrors(values: [String: JSONValue], field: String) async throws {
        let error = #expect(throws: BillingError.self) { try TaxRules(settings: Self.settings(values)) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.field == field)

        let harness = PluginHarness(plugin: RuleBasedTaxPlugin(), settings: Self.settings(values))
        let viaPlugin = await #expect(throws: BillingError.self) { try await harness.initialize() }
        #expect(viaPlugin?.field == field)
    }

    @Test("Optional settings may be null or absent; a default rate alone is enough")
    func optionalSettings() throws {
        let rules = try TaxRules(
            settings: Self.settings([
                "rates": ["DE": 1_900], "taxCodeRates": .null, "defaultRateBasisPoints": .null, "rounding": .null, "sellerCountry": .null,
            ])
        )
        #expect(rules == (try TaxRules(rates: ["DE": 1_900])))
        let flat = try TaxRules(settings: Self.settings(["rates": [:], "defaultRateBasisPoints": 2_000]))
        #expect(flat.defaultRateBasisPoints == 2_000)
        #expect(try flat.calculate(TaxCalculationRequest(lineItems: Self.lines([100]), country: "ZA")).totalTax == Self.money(20))
        let memberwise = #expect(throws: BillingError.self) { try TaxRules(rates: ["DE": 10_001]) }
        #expect(memberwise?.field == "rates")
        let seller = #expect(throws: BillingError.self) { try TaxRules(rates: ["DE": 1_900], sellerCountry: "DEU") }
        #expect(seller?.field == "sellerCountry")
    }
}
