/// An amount of money: a signed count of minor units (cents, fils, yen) in one currency.
///
/// All arithmetic is exact integer arithmetic on 64-bit minor units and throws
/// ``BillingError`` instead of trapping: ``BillingError/Code/currencyMismatch`` when two
/// currencies are combined and ``BillingError/Code/overflow`` when a result does not fit.
///
/// `Money` is deliberately not `Comparable`: comparing amounts in different currencies is
/// an error, so use ``isLess(than:)`` and ``isGreater(than:)``, which throw.
///
/// It encodes as `{"currency":"USD","minorUnits":1234}`.
public struct Money: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The amount in minor units of ``currency``: `1234` with `USD` is 12.34 US dollars.
    public let minorUnits: Int64
    /// The currency the amount is counted in.
    public let currency: CurrencyCode

    /// Creates an amount from minor units, for example `Money(minorUnits: 1234, currency: .usd)` for 12.34 USD.
    public init(minorUnits: Int64, currency: CurrencyCode) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    /// A zero amount in `currency`.
    public static func zero(_ currency: CurrencyCode) -> Money {
        Money(minorUnits: 0, currency: currency)
    }

    /// Creates an amount from whole major units, for example 12 USD is 1200 minor units.
    ///
    /// - Throws: ``BillingError/Code/overflow`` when `major × 10^exponent` does not fit in `Int64`.
    public init(major: Int64, currency: CurrencyCode) throws {
        let (scaled, overflow) = major.multipliedReportingOverflow(by: currency.minorUnitsPerMajorUnit)
        guard !overflow else {
            throw BillingError(
                .overflow,
                "A whole amount in \(currency) does not fit in 64-bit minor units",
                field: "major"
            )
        }
        self.init(minorUnits: scaled, currency: currency)
    }

    // MARK: Codable

    private enum CodingKeys: String, CodingKey {
        case currency
        case minorUnits
    }

    /// Decodes `{"currency":"USD","minorUnits":1234}`; the currency is validated against the ISO 4217 table.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.currency = try container.decode(CurrencyCode.self, forKey: .currency)
        self.minorUnits = try container.decode(Int64.self, forKey: .minorUnits)
    }

    /// Encodes as `{"currency":"USD","minorUnits":1234}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(currency, forKey: .currency)
        try container.encode(minorUnits, forKey: .minorUnits)
    }

    // MARK: Sign

    /// Whether the amount is exactly zero.
    public var isZero: Bool { minorUnits == 0 }
    /// Whether the amount is below zero.
    public var isNegative: Bool { minorUnits < 0 }
    /// Whether the amount is above zero.
    public var isPositive: Bool { minorUnits > 0 }

    // MARK: Checked arithmetic

    /// The sum of this amount and `other`.
    ///
    /// - Throws: ``BillingError/Code/currencyMismatch`` or ``BillingError/Code/overflow``.
    public func adding(_ other: Money) throws -> Money {
        try requireSameCurrency(other, operation: "add")
        let (result, overflow) = minorUnits.addingReportingOverflow(other.minorUnits)
        guard !overflow else { throw Self.overflowError("Adding", currency) }
        return Money(minorUnits: result, currency: currency)
    }

    /// This amount minus `other`.
    ///
    /// - Throws: ``BillingError/Code/currencyMismatch`` or ``BillingError/Code/overflow``.
    public func subtracting(_ other: Money) throws -> Money {
        try requireSameCurrency(other, operation: "subtract")
        let (result, overflow) = minorUnits.subtractingReportingOverflow(other.minorUnits)
        guard !overflow else { throw Self.overflowError("Subtracting", currency) }
        return Money(minorUnits: result, currency: currency)
    }

    /// This amount times an integer factor, such as a quantity.
    ///
    /// - Throws: ``BillingError/Code/overflow``.
    public func multiplied(by factor: Int64) throws -> Money {
        let (result, overflow) = minorUnits.multipliedReportingOverflow(by: factor)
        guard !overflow else { throw Self.overflowError("Multiplying", currency) }
        return Money(minorUnits: result, currency: currency)
    }

    /// The amount with its sign flipped.
    ///
    /// - Throws: ``BillingError/Code/overflow`` for `Int64.min` minor units, whose negation does not fit.
    public func negated() throws -> Money {
        let (result, overflow) = Int64(0).subtractingReportingOverflow(minorUnits)
        guard !overflow else { throw Self.overflowError("Negating", currency) }
        return Money(minorUnits: result, currency: currency)
    }

    /// The total of `amounts`, all of which must be in `currency`; an empty sequence totals zero.
    ///
    /// - Throws: ``BillingError/Code/currencyMismatch`` or ``BillingError/Code/overflow``.
    ///   Overflow is reported when any running total leaves the 64-bit range.
    public static func sum(_ amounts: some Sequence<Money>, currency: CurrencyCode) throws -> Money {
        var total = Money.zero(currency)
        for amount in amounts {
            total = try total.adding(amount)
        }
        return total
    }

    // MARK: Comparison

    /// Whether this amount is smaller than `other`.
    ///
    /// - Throws: ``BillingError/Code/currencyMismatch`` when the currencies differ.
    public func isLess(than other: Money) throws -> Bool {
        try requireSameCurrency(other, operation: "compare")
        return minorUnits < other.minorUnits
    }

    /// Whether this amount is larger than `other`.
    ///
    /// - Throws: ``BillingError/Code/currencyMismatch`` when the currencies differ.
    public func isGreater(than other: Money) throws -> Bool {
        try requireSameCurrency(other, operation: "compare")
        return minorUnits > other.minorUnits
    }

    // MARK: Rates

    /// How ``multiplied(by:dividedBy:rounding:)`` rounds a result that falls between two minor units.
    public enum Rounding: Sendable, Hashable {
        /// To the nearest minor unit; ties go to the even neighbour (banker's rounding).
        case halfEven
        /// To the nearest minor unit; ties go away from zero (2.5 → 3, -2.5 → -3).
        case halfUp
        /// Toward zero (truncation): 2.7 → 2, -2.7 → -2.
        case down
        /// Away from zero: 2.1 → 3, -2.1 → -3.
        case up
        /// Toward negative infinity: 2.7 → 2, -2.1 → -3.
        case floor
        /// Toward positive infinity: 2.1 → 3, -2.7 → -2.
        case ceiling
    }

    /// This amount times the rate `numerator / denominator`, rounded to a whole minor unit.
    ///
    /// Use it for taxes, fees and proration: 8.25 % tax is `multiplied(by: 825, dividedBy: 10_000)`.
    /// The product is computed with a 128-bit intermediate, so it only fails when the final
    /// result does not fit; for example `Int64.max / 2 × 3 / 4` succeeds.
    ///
    /// - Throws: ``BillingError/Code/invalidArgument`` when `denominator` is zero and
    ///   ``BillingError/Code/overflow`` when the rounded result does not fit in `Int64`.
    public func multiplied(
        by numerator: Int64,
        dividedBy denominator: Int64,
        rounding: Rounding = .halfEven
    ) throws -> Money {
        guard denominator != 0 else {
            throw BillingError.invalid("denominator", "The rate's denominator must not be zero")
        }
        let negative = ((minorUnits < 0) != (numerator < 0)) != (denominator < 0)
        let divisor = denominator.magnitude
        // |amount × numerator| < 2^126, held as two 64-bit words.
        let product = minorUnits.magnitude.multipliedFullWidth(by: numerator.magnitude)
        // The quotient fits in 64 bits exactly when the high word is below the divisor;
        // otherwise it is at least 2^64 and cannot fit in Int64 either.
        guard product.high < divisor else {
            throw Self.overflowError("Applying a rate to", currency)
        }
        let (quotient, remainder) = divisor.dividingFullWidth(product)
        let magnitude = Self.roundedMagnitude(
            quotient: quotient,
            remainder: remainder,
            divisor: divisor,
            negative: negative,
            rounding: rounding
        )
        guard let magnitude, let result = Int64(billingMagnitude: magnitude, negative: negative) else {
            throw Self.overflowError("Applying a rate to", currency)
        }
        return Money(minorUnits: result, currency: currency)
    }

    /// Rounds `quotient + remainder / divisor` (a non-negative magnitude whose true sign is
    /// `negative`) to an integer magnitude; `nil` if rounding up leaves the 64-bit range.
    private static func roundedMagnitude(
        quotient: UInt64,
        remainder: UInt64,
        divisor: UInt64,
        negative: Bool,
        rounding: Rounding
    ) -> UInt64? {
        guard remainder != 0 else { return quotient }
        // remainder < divisor, so `divisor - remainder` cannot underflow; comparing
        // remainder with it compares the fraction with one half without overflowing.
        let rest = divisor - remainder
        let awayFromZero: Bool
        switch rounding {
        case .down:
            awayFromZero = false
        case .up:
            awayFromZero = true
        case .floor:
            awayFromZero = negative
        case .ceiling:
            awayFromZero = !negative
        case .halfUp:
            awayFromZero = remainder >= rest
        case .halfEven:
            awayFromZero = remainder > rest || (remainder == rest && quotient & 1 == 1)
        }
        guard awayFromZero else { return quotient }
        let (incremented, overflow) = quotient.addingReportingOverflow(1)
        return overflow ? nil : incremented
    }

    // MARK: Helpers

    /// Throws ``BillingError/Code/currencyMismatch`` naming both codes unless `other` is in ``currency``.
    private func requireSameCurrency(_ other: Money, operation: String) throws {
        guard currency == other.currency else {
            throw BillingError(
                .currencyMismatch,
                "Cannot \(operation) amounts in \(currency) and \(other.currency)",
                field: "currency"
            )
        }
    }

    /// The ``BillingError/Code/overflow`` error for `operation` on an amount in `currency`.
    static func overflowError(_ operation: String, _ currency: CurrencyCode) -> BillingError {
        BillingError(.overflow, "\(operation) an amount in \(currency) overflows 64-bit minor units")
    }
}

extension Int64 {
    /// The value with the given magnitude and sign, or `nil` when it does not fit
    /// (magnitudes up to 2^63 fit when negative, up to 2^63 - 1 otherwise).
    init?(billingMagnitude magnitude: UInt64, negative: Bool) {
        if negative {
            guard magnitude <= Int64.min.magnitude else { return nil }
            self = Int64(bitPattern: 0 &- magnitude)
        } else {
            guard magnitude <= UInt64(Int64.max) else { return nil }
            self = Int64(magnitude)
        }
    }
}
