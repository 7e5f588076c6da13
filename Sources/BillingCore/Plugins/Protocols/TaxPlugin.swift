/// Tax calculation and tax-number validation (the specification's `TaxPlugin`).
public protocol TaxPlugin: BillingPlugin {
    /// Computes the tax on a set of line items.
    func calculateTax(_ request: TaxCalculationRequest) async throws -> TaxResult
    /// Whether a tax number (a VAT id, an ABN) is well formed for the country.
    func validateTaxNumber(_ taxNumber: String, country: String) async throws -> Bool
}

/// One line to tax.
public struct TaxLineItem: Sendable, Hashable, Codable {
    /// The caller's line id, echoed in the result.
    public var id: String
    /// The line's amount (quantity already applied).
    public var amount: Money
    /// A product tax code, for rules that depend on what is sold.
    public var taxCode: String?

    /// Creates a line.
    public init(id: String, amount: Money, taxCode: String? = nil) {
        self.id = id
        self.amount = amount
        self.taxCode = taxCode
    }
}

/// What to compute tax for.
public struct TaxCalculationRequest: Sendable, Hashable, Codable {
    /// The lines, all in one currency.
    public var lineItems: [TaxLineItem]
    /// The customer's country, ISO 3166-1 alpha-2.
    public var country: String
    /// The region (a US state, a Canadian province), when rates depend on it.
    public var region: String?
    /// The customer's tax number, for reverse charge.
    public var customerTaxNumber: String?
    /// Whether the amounts already include tax.
    public var pricesIncludeTax: Bool
    /// The tenant asking (whose settings the plugin uses).
    public var tenantId: String?

    /// Creates a request.
    public init(
        lineItems: [TaxLineItem], country: String, region: String? = nil, customerTaxNumber: String? = nil, pricesIncludeTax: Bool = false,
        tenantId: String? = nil
    ) {
        self.lineItems = lineItems
        self.country = country
        self.region = region
        self.customerTaxNumber = customerTaxNumber
        self.pricesIncludeTax = pricesIncludeTax
        self.tenantId = tenantId
    }
}

/// The tax on one line.
public struct TaxLine: Sendable, Hashable, Codable {
    /// The line's id.
    public var id: String
    /// The amount tax applies to (net).
    public var taxableAmount: Money
    /// The tax.
    public var taxAmount: Money
    /// The rate in basis points (1900 = 19%).
    public var rateBasisPoints: Int
    /// Which jurisdiction's rule applied (`DE`, `US-CA`).
    public var jurisdiction: String

    /// Creates a tax line.
    public init(id: String, taxableAmount: Money, taxAmount: Money, rateBasisPoints: Int, jurisdiction: String) {
        self.id = id
        self.taxableAmount = taxableAmount
        self.taxAmount = taxAmount
        self.rateBasisPoints = rateBasisPoints
        self.jurisdiction = jurisdiction
    }
}

/// The computed tax.
public struct TaxResult: Sendable, Hashable, Codable {
    /// Per line.
    public var lines: [TaxLine]
    /// Sum of the net amounts.
    public var subtotal: Money
    /// Sum of the tax.
    public var totalTax: Money
    /// What the customer pays.
    public var total: Money

    /// Creates a result.
    public init(lines: [TaxLine], subtotal: Money, totalTax: Money, total: Money) {
        self.lines = lines
        self.subtotal = subtotal
        self.totalTax = totalTax
        self.total = total
    }
}
