extension Money {
    /// Parses the canonical text form `"<amount> <CODE>"`, such as `"12.34 USD"`,
    /// `"-0.05 USD"`, `"1234 JPY"` or `"1.234 KWD"`.
    ///
    /// The amount and the code are separated by exactly one space. The amount is an optional
    /// `-`, one or more ASCII digits and, unless the currency has no minor unit, optionally
    /// a `.` followed by one to ``CurrencyCode/minorUnitExponent`` digits (`"12 USD"` and
    /// `"12.3 USD"` are fine). The code is case-sensitive.
    ///
    /// `Money(parsing: money.description)` returns `money` for every value.
    ///
    /// - Throws: ``BillingError`` with
    ///   - ``BillingError/Code/parseFailure`` (field `money`) for malformed text: a missing
    ///     currency or amount, `+`, thousands separators, exponents, inner or surrounding
    ///     whitespace, or more decimals than the currency allows;
    ///   - ``BillingError/Code/unknownCurrency`` (field `currency`) for a code that is not in
    ///     the ISO 4217 table;
    ///   - ``BillingError/Code/overflow`` (field `money`) when the amount does not fit in
    ///     64-bit minor units.
    public init(parsing text: String) throws {
        let parts = text.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw Self.parseError(
                parts.count < 2
                    ? "Money text must be an amount and a currency code separated by one space, such as '12.34 USD'"
                    : "Money text must contain exactly one space, between the amount and the currency code"
            )
        }
        guard !parts[0].isEmpty else { throw Self.parseError("Money text is missing the amount") }
        guard !parts[1].isEmpty else { throw Self.parseError("Money text is missing the currency code") }
        let currency = try CurrencyCode(String(parts[1]))
        try self.init(parsing: String(parts[0]), currency: currency)
    }

    /// Parses an amount without its currency code, such as `"12.34"` or `"-0.05"`, in `currency`.
    ///
    /// The grammar is the amount part of ``init(parsing:)``: an optional `-`, ASCII digits,
    /// and optionally `.` with one to ``CurrencyCode/minorUnitExponent`` digits.
    ///
    /// - Throws: ``BillingError/Code/parseFailure`` (field `money`) for malformed text and
    ///   ``BillingError/Code/overflow`` (field `money`) when the amount does not fit in 64-bit minor units.
    public init(parsing amount: String, currency: CurrencyCode) throws {
        let bytes = Array(amount.utf8)
        var index = 0
        let negative = bytes.first == UInt8(ascii: "-")
        if negative { index += 1 }

        let wholeStart = index
        while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
        let wholeDigits = bytes[wholeStart..<index]

        var fractionDigits: ArraySlice<UInt8> = []
        var hasPoint = false
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            hasPoint = true
            index += 1
            let fractionStart = index
            while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
            fractionDigits = bytes[fractionStart..<index]
        }

        guard index == bytes.count else {
            throw Self.parseError(Self.describeUnexpected(bytes[index]))
        }
        guard !wholeDigits.isEmpty else {
            throw Self.parseError(
                bytes.count == (negative ? 1 : 0)
                    ? "The amount is empty" : "The amount needs at least one digit before the decimal point"
            )
        }
        let exponent = currency.minorUnitExponent
        if hasPoint {
            guard exponent > 0 else {
                throw Self.parseError("\(currency) has no minor unit, so its amounts cannot have decimals")
            }
            guard !fractionDigits.isEmpty else {
                throw Self.parseError("The amount needs at least one digit after the decimal point")
            }
            guard fractionDigits.count <= exponent else {
                throw Self.parseError(
                    "\(currency) allows at most \(exponent) decimal place\(exponent == 1 ? "" : "s"), "
                        + "but the amount has \(fractionDigits.count)"
                )
            }
        }

        // Accumulate |amount| in minor units; up to 2^63 is representable (for Int64.min).
        var magnitude: UInt64 = 0
        let digits = Array(wholeDigits) + Array(fractionDigits)
            + Array(repeating: UInt8(ascii: "0"), count: exponent - fractionDigits.count)
        for digit in digits {
            let (timesTen, overflowA) = magnitude.multipliedReportingOverflow(by: 10)
            let (next, overflowB) = timesTen.addingReportingOverflow(UInt64(digit - UInt8(ascii: "0")))
            guard !overflowA, !overflowB else { throw Self.parseOverflow(currency) }
            magnitude = next
        }
        guard let value = Int64(billingMagnitude: magnitude, negative: negative) else {
            throw Self.parseOverflow(currency)
        }
        self.init(minorUnits: value, currency: currency)
    }

    /// The canonical text form, such as `"12.34 USD"`, `"-0.05 USD"`, `"1234 JPY"` or `"1.000 KWD"`.
    ///
    /// The amount always has exactly ``CurrencyCode/minorUnitExponent`` decimals and no
    /// grouping; ``init(parsing:)`` reads it back to the same value.
    public var description: String {
        "\(formattedAmount) \(currency.alphabeticCode)"
    }

    /// The amount part of ``description`` alone, such as `"12.34"`, `"-0.05"` or `"1234"`.
    public var formattedAmount: String {
        let exponent = currency.minorUnitExponent
        var digits = String(minorUnits.magnitude)
        if exponent > 0 {
            if digits.count <= exponent {
                digits = String(repeating: "0", count: exponent - digits.count + 1) + digits
            }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -exponent))
        }
        return minorUnits < 0 ? "-" + digits : digits
    }

    // MARK: Helpers

    /// Whether `byte` is an ASCII decimal digit.
    private static func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    /// Explains why the character starting with `byte` is not allowed in an amount.
    private static func describeUnexpected(_ byte: UInt8) -> String {
        switch byte {
        case UInt8(ascii: "+"):
            return "The amount must not have a '+' sign"
        case UInt8(ascii: "-"):
            return "The amount may only have a '-' sign at the start"
        case UInt8(ascii: ","), UInt8(ascii: "_"), UInt8(ascii: "'"):
            return "The amount must not contain thousands separators"
        case UInt8(ascii: "."):
            return "The amount must contain at most one decimal point"
        case UInt8(ascii: "e"), UInt8(ascii: "E"):
            return "The amount must not use exponent notation"
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
            return "The amount must not contain whitespace"
        default:
            return "The amount may only contain an optional leading '-', ASCII digits and one '.'"
        }
    }

    /// A ``BillingError/Code/parseFailure`` on the `money` field.
    private static func parseError(_ message: String) -> BillingError {
        BillingError(.parseFailure, message, field: "money")
    }

    /// A ``BillingError/Code/overflow`` on the `money` field.
    private static func parseOverflow(_ currency: CurrencyCode) -> BillingError {
        BillingError(.overflow, "The amount does not fit in 64-bit minor units of \(currency)", field: "money")
    }
}
