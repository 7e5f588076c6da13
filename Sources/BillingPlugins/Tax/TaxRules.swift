public import BillingCore

/// A validated set of tax rules and the pure calculation behind ``RuleBasedTaxPlugin``.
///
/// Rates are in basis points (1900 = 19 %) per jurisdiction: an ISO 3166-1 alpha-2
/// country (`DE`) or a country-region pair (`US-CA`, `CA-QC`). It can be used on its
/// own, without the plugin:
///
/// ```swift
/// let rules = try TaxRules(rates: ["DE": 1900, "US-CA": 725], taxCodeRates: ["DE": ["books": 700]])
/// let result = try rules.calculate(TaxCalculationRequest(lineItems: items, country: "DE"))
/// ```
///
/// Every amount is computed in the currency's minor units with checked arithmetic, and
/// each rate's tax is computed once on the rate's total and then split over its lines,
/// so the line taxes always add up exactly to the total tax.
public struct TaxRules: Sendable, Hashable {
    /// How a rate's tax is rounded to the currency's minor unit.
    public enum Rounding: String, Sendable, Hashable, CaseIterable {
        /// Ties go away from zero (0.5 → 1): the usual rule on invoices. The default.
        case halfUp
        /// Ties go to the even neighbour (0.5 → 0, 1.5 → 2): banker's rounding.
        case halfEven

        /// The matching `Money` rounding.
        var money: Money.Rounding {
            switch self {
            case .halfUp: .halfUp
            case .halfEven: .halfEven
            }
        }
    }

    /// Rates by jurisdiction (`DE`, `US-CA`), in basis points; keys are uppercase.
    public let rates: [String: Int]
    /// Rates by jurisdiction, then by `TaxLineItem.taxCode`, overriding ``rates`` for those lines.
    public let taxCodeRates: [String: [String: Int]]
    /// The rate for a country no jurisdiction matches; `nil` makes such a country an error.
    public let defaultRateBasisPoints: Int?
    /// How each rate's tax is rounded.
    public let rounding: Rounding
    /// The seller's country (uppercase), which enables EU reverse charge when it is a member state.
    public let sellerCountry: String?

    /// The setting keys ``init(settings:)`` reads; any other key is rejected.
    public static let settingKeys: Set<String> = ["rates", "taxCodeRates", "defaultRateBasisPoints", "rounding", "sellerCountry"]

    /// The largest rate accepted: 100 %.
    public static let maximumRateBasisPoints = 10_000

    /// Creates and validates rules.
    ///
    /// Jurisdiction keys are case-insensitive and stored uppercase; `EL` is read as `GR`.
    ///
    /// - Throws: `BillingError` with code `invalidArgument` and `field` set to the
    ///   parameter at fault (`rates`, `taxCodeRates`, `defaultRateBasisPoints`,
    ///   `sellerCountry`): a malformed or duplicate key, a rate outside 0...10000, an
    ///   empty tax code, a malformed country, or no rates at all and no default.
    public init(
        rates: [String: Int],
        taxCodeRates: [String: [String: Int]] = [:],
        defaultRateBasisPoints: Int? = nil,
        rounding: Rounding = .halfUp,
        sellerCountry: String? = nil
    ) throws {
        guard !rates.isEmpty || defaultRateBasisPoints != nil else {
            throw BillingError(.invalidArgument, "Setting 'rates' must name at least one jurisdiction when there is no defaultRateBasisPoints", field: "rates")
        }
        self.rates = try Self.validatedRates(rates, field: "rates")
        var codeRates: [String: [String: Int]] = [:]
        for (key, byCode) in taxCodeRates {
            let jurisdiction = try Self.jurisdictionKey(key, field: "taxCodeRates")
            guard codeRates[jurisdiction] == nil else {
                throw BillingError(.invalidArgument, "Setting 'taxCodeRates' names jurisdiction '\(jurisdiction)' twice", field: "taxCodeRates")
            }
            for (code, rate) in byCode {
                guard !code.isEmpty else {
                    throw BillingError(.invalidArgument, "Setting 'taxCodeRates' has an empty tax code for '\(jurisdiction)'", field: "taxCodeRates")
                }
                try Self.checkRate(rate, field: "taxCodeRates", what: "tax code '\(code)' in '\(jurisdiction)'")
            }
            codeRates[jurisdiction] = byCode
        }
        self.taxCodeRates = codeRates
        if let defaultRateBasisPoints {
            try Self.checkRate(defaultRateBasisPoints, field: "defaultRateBasisPoints", what: "the default")
        }
        self.defaultRateBasisPoints = defaultRateBasisPoints
        self.rounding = rounding
        self.sellerCountry = try sellerCountry.map { try Self.countryCode($0, field: "sellerCountry") }
    }

    /// Reads and validates rules from plugin settings (see `Documentation/TaxPlugin.md`).
    ///
    /// - Throws: `BillingError` whose `field` is the setting at fault: `rates` (missing,
    ///   not an object of integers, bad key or rate), `taxCodeRates`, `defaultRateBasisPoints`,
    ///   `rounding` (not `halfUp` or `halfEven`), `sellerCountry`, or an unknown key.
    public init(settings: PluginSettings) throws {
        // A misspelt key would silently change the tax charged, so unknown keys are errors.
        for key in settings.values.keys.sorted() where !Self.settingKeys.contains(key) {
            throw BillingError(.invalidArgument, "Unknown tax setting '\(key)'", field: key)
        }
        let rates = try Self.rateTable(settings.json("rates"), field: "rates", shape: "an object of jurisdiction → basis points")
        var taxCodeRates: [String: [String: Int]] = [:]
        if Self.isSet("taxCodeRates", in: settings) {
            guard let object = try settings.json("taxCodeRates").objectValue else {
                throw BillingError(.invalidArgument, "Setting 'taxCodeRates' must be an object of jurisdiction → {taxCode → basis points}", field: "taxCodeRates")
            }
            for (jurisdiction, byCode) in object {
                taxCodeRates[jurisdiction] = try Self.rateTable(byCode, field: "taxCodeRates", shape: "an object of jurisdiction → {taxCode → basis points}")
            }
        }
        let defaultRate = Self.isSet("defaultRateBasisPoints", in: settings) ? try settings.int("defaultRateBasisPoints") : nil
        let roundingName = Self.isSet("rounding", in: settings) ? try settings.string("rounding") : Rounding.halfUp.rawValue
        guard let rounding = Rounding(rawValue: roundingName) else {
            throw BillingError(.invalidArgument, "Setting 'rounding' must be \"halfUp\" or \"halfEven\"", field: "rounding")
        }
        try self.init(
            rates: rates,
            taxCodeRates: taxCodeRates,
            defaultRateBasisPoints: try defaultRate.map { try Self.basisPoints($0, field: "defaultRateBasisPoints", what: "the default") },
            rounding: rounding,
            sellerCountry: Self.isSet("sellerCountry", in: settings) ? try settings.string("sellerCountry") : nil
        )
    }

    // MARK: Calculation

    /// Computes the tax on `request`.
    ///
    /// Each line's rate is looked up in this order: ``taxCodeRates`` for `COUNTRY-REGION`,
    /// then for `COUNTRY` (lines with a `taxCode`); ``rates`` for `COUNTRY-REGION`, then
    /// `COUNTRY`; then ``defaultRateBasisPoints`` (jurisdiction `"COUNTRY (default)"`).
    /// Country and region are case-insensitive; the region may be `CA` or `US-CA`. Under
    /// reverse charge (``isReverseCharge(country:customerTaxNumber:)``) every line is taxed at
    /// 0 with jurisdiction `"COUNTRY (reverse charge)"`. Lines are then grouped by rate; a group's tax is computed once on its total and split over its lines
    /// in proportion to their amounts (largest remainder), so no minor unit is lost or invented.
    /// - Exclusive prices: tax = round(total × rate / 10000); each line's taxable amount is its amount.
    /// - Inclusive prices: tax = total − round(total × 10000 / (10000 + rate)); each line's
    ///   taxable amount is its amount minus its tax, and the result's `total` is exactly Σ amounts.
    ///
    /// - Throws: `BillingError`: `invalidArgument` (field `lineItems`) for no lines or a
    ///   negative amount, `currencyMismatch` (field `lineItems`) for mixed currencies,
    ///   `invalidArgument` (field `country` or `region`) for a malformed code or a country
    ///   without a rate and no default, `overflow` when an amount leaves 64-bit minor units.
    public func calculate(_ request: TaxCalculationRequest) throws -> TaxResult {
        let currency = try Self.commonCurrency(of: request.lineItems)
        let country = try Self.countryCode(request.country, field: "country")
        let region = try Self.regionCode(request.region, country: country)

        let applied: [AppliedRate]
        if isReverseCharge(country: country, customerTaxNumber: request.customerTaxNumber) {
            applied = request.lineItems.map { _ in AppliedRate(basisPoints: 0, jurisdiction: "\(country) (reverse charge)") }
        } else {
            applied = try request.lineItems.map { item in
                guard let rate = lookup(country: country, region: region, taxCode: item.taxCode) else {
                    throw BillingError(.invalidArgument, "No tax rate for country '\(country)' and no defaultRateBasisPoints", field: "country")
                }
                return rate
            }
        }

        // Group by rate in order of first appearance, so results are deterministic.
        var groups: [(basisPoints: Int, indices: [Int])] = []
        for (index, rate) in applied.enumerated() {
            if let group = groups.firstIndex(where: { $0.basisPoints == rate.basisPoints }) {
                groups[group].indices.append(index)
            } else {
                groups.append((rate.basisPoints, [index]))
            }
        }
        var taxes = Array(repeating: Money.zero(currency), count: request.lineItems.count)
        for group in groups {
            let amounts = group.indices.map { request.lineItems[$0].amount }
            let split = try groupTax(amounts, basisPoints: group.basisPoints, currency: currency, pricesIncludeTax: request.pricesIncludeTax)
            for (index, tax) in zip(group.indices, split) {
                taxes[index] = tax
            }
        }

        var lines: [TaxLine] = []
        lines.reserveCapacity(request.lineItems.count)
        for (index, item) in request.lineItems.enumerated() {
            let taxable = request.pricesIncludeTax ? try item.amount.subtracting(taxes[index]) : item.amount
            lines.append(
                TaxLine(
                    id: item.id, taxableAmount: taxable, taxAmount: taxes[index],
                    rateBasisPoints: applied[index].basisPoints, jurisdiction: applied[index].jurisdiction
                )
            )
        }
        let subtotal = try Money.sum(lines.map(\.taxableAmount), currency: currency)
        let totalTax = try Money.sum(taxes, currency: currency)
        // Inclusive: the customer pays exactly the prices shown.
        let total = request.pricesIncludeTax ? try Money.sum(request.lineItems.map(\.amount), currency: currency) : try subtotal.adding(totalTax)
        return TaxResult(lines: lines, subtotal: subtotal, totalTax: totalTax, total: total)
    }

    /// Whether EU reverse charge applies: the seller and the customer are in different EU
    /// member states and the customer's tax number is well formed for the customer's country.
    public func isReverseCharge(country: String, customerTaxNumber: String?) -> Bool {
        let country = TaxNumberValidator.normalizedCountry(country)
        guard let sellerCountry, let customerTaxNumber, sellerCountry != country,
            TaxNumberValidator.euMemberStates.contains(sellerCountry), TaxNumberValidator.euMemberStates.contains(country)
        else { return false }
        return TaxNumberValidator.isValid(customerTaxNumber, country: country)
    }

    // MARK: Internals

    /// A rate and the jurisdiction it came from.
    struct AppliedRate {
        let basisPoints: Int
        let jurisdiction: String
    }

    /// The rate for one line, on normalized codes; `nil` when nothing matches and there is no default.
    ///
    /// A tax-code override is more specific than a region's general rate (Ontario's HST does
    /// not apply to a line Canada zero-rates by tax code), so it is looked up first.
    func lookup(country: String, region: String?, taxCode: String?) -> AppliedRate? {
        let keys = [region.map { "\(country)-\($0)" }, country].compactMap { $0 }
        if let taxCode {
            for key in keys {
                if let rate = taxCodeRates[key]?[taxCode] { return AppliedRate(basisPoints: rate, jurisdiction: key) }
            }
        }
        for key in keys {
            if let rate = rates[key] { return AppliedRate(basisPoints: rate, jurisdiction: key) }
        }
        return defaultRateBasisPoints.map { AppliedRate(basisPoints: $0, jurisdiction: "\(country) (default)") }
    }

    /// One rate group's tax, computed once on the group's total and split over `amounts`.
    private func groupTax(_ amounts: [Money], basisPoints: Int, currency: CurrencyCode, pricesIncludeTax: Bool) throws -> [Money] {
        let total = try Money.sum(amounts, currency: currency)
        // allocate needs a positive total to weigh by; a zero total has zero tax anyway.
        guard total.isPositive else { return amounts.map { _ in .zero(currency) } }
        let rate = Int64(basisPoints)
        let tax: Money
        if pricesIncludeTax {
            let net = try total.multiplied(by: 10_000, dividedBy: 10_000 + rate, rounding: rounding.money)
            tax = try total.subtracting(net)
        } else {
            tax = try total.multiplied(by: rate, dividedBy: 10_000, rounding: rounding.money)
        }
        return try tax.allocate(amounts.map(\.minorUnits))
    }

    /// The one currency of `items`, after checking there is at least one line and none is negative.
    private static func commonCurrency(of items: [TaxLineItem]) throws -> CurrencyCode {
        guard let first = items.first else {
            throw BillingError(.invalidArgument, "A tax calculation needs at least one line item", field: "lineItems")
        }
        for item in items {
            guard item.amount.currency == first.amount.currency else {
                throw BillingError(
                    .currencyMismatch,
                    "All line items must be in one currency: '\(first.id)' is in \(first.amount.currency), '\(item.id)' in \(item.amount.currency)",
                    field: "lineItems"
                )
            }
            guard !item.amount.isNegative else {
                throw BillingError(.invalidArgument, "Line item '\(item.id)' has a negative amount; credits are not supported", field: "lineItems")
            }
        }
        return first.amount.currency
    }

    /// An uppercase ISO 3166-1 alpha-2 code (`EL` read as `GR`).
    private static func countryCode(_ text: String, field: String) throws -> String {
        let code = TaxNumberValidator.normalizedCountry(text)
        guard code.wholeMatch(of: /[A-Z]{2}/) != nil else {
            throw BillingError(.invalidArgument, "'\(field)' must be an ISO 3166-1 alpha-2 country code", field: field)
        }
        return code
    }

    /// An uppercase region code without its country prefix, or `nil` for none.
    private static func regionCode(_ text: String?, country: String) throws -> String? {
        guard let text else { return nil }
        var code = TaxNumberValidator.normalizedCode(text)
        if code.isEmpty { return nil }
        if code.hasPrefix("\(country)-") { code.removeFirst(3) }
        guard code.wholeMatch(of: /[A-Z0-9]{1,3}/) != nil else {
            throw BillingError(.invalidArgument, "'region' must be an ISO 3166-2 subdivision code such as 'CA' or 'US-CA'", field: "region")
        }
        return code
    }

    /// A jurisdiction key, uppercase: `DE` or `US-CA`.
    private static func jurisdictionKey(_ text: String, field: String) throws -> String {
        let key = TaxNumberValidator.normalizedCode(text)
        guard key.wholeMatch(of: /[A-Z]{2}(?:-[A-Z0-9]{1,3})?/) != nil else {
            throw BillingError(.invalidArgument, "Setting '\(field)' has a malformed jurisdiction key; use 'DE' or 'US-CA'", field: field)
        }
        return key.hasPrefix("EL") ? "GR" + key.dropFirst(2) : key
    }

    /// `table` with validated, uppercase keys.
    private static func validatedRates(_ table: [String: Int], field: String) throws -> [String: Int] {
        var validated: [String: Int] = [:]
        for (key, rate) in table {
            let jurisdiction = try jurisdictionKey(key, field: field)
            guard validated[jurisdiction] == nil else {
                throw BillingError(.invalidArgument, "Setting '\(field)' names jurisdiction '\(jurisdiction)' twice", field: field)
            }
            try checkRate(rate, field: field, what: "'\(jurisdiction)'")
            validated[jurisdiction] = rate
        }
        return validated
    }

    /// Throws unless `rate` is within 0...10000.
    private static func checkRate(_ rate: Int, field: String, what: String) throws {
        guard (0...maximumRateBasisPoints).contains(rate) else {
            throw BillingError(.invalidArgument, "Setting '\(field)': the rate for \(what) must be 0...10000 basis points", field: field)
        }
    }

    /// A JSON object of name → integer basis points; `shape` describes it in errors.
    private static func rateTable(_ json: JSONValue, field: String, shape: String) throws -> [String: Int] {
        guard let object = json.objectValue else {
            throw BillingError(.invalidArgument, "Setting '\(field)' must be \(shape)", field: field)
        }
        return try object.mapValues { value in
            guard let rate = value.intValue else {
                throw BillingError(.invalidArgument, "Setting '\(field)' must map to integer basis points (1900 = 19%)", field: field)
            }
            return try basisPoints(rate, field: field, what: "every entry")
        }
    }

    /// `value` as an `Int` rate, range-checked before narrowing.
    private static func basisPoints(_ value: Int64, field: String, what: String) throws -> Int {
        guard (0...Int64(maximumRateBasisPoints)).contains(value) else {
            throw BillingError(.invalidArgument, "Setting '\(field)': the rate for \(what) must be 0...10000 basis points", field: field)
        }
        return Int(value)
    }

    /// Whether an optional setting is present and not `null`.
    private static func isSet(_ key: String, in settings: PluginSettings) -> Bool {
        guard let value = settings[key] else { return false }
        return !value.json.isNull
    }
}
