public import BillingCore

extension BillingError.Code {
    /// An amount Stripe cannot take, or one it reported that does not convert exactly to
    /// `Money`: not positive, above Stripe's maximum, finer than Stripe's unit for its currency,
    /// or in a currency Stripe documents no unit for. Nothing was sent to Stripe.
    public static let stripeAmountUnsupported = BillingError.Code("stripe.amount_unsupported")
}

/// `Money` to and from Stripe's integer `amount` and lowercase `currency`, per Stripe's
/// currency rules (see ``StripeCurrencyUnit``).
enum StripeAmount {
    /// Stripe's `amount` and lowercase `currency` for `money`.
    ///
    /// - Throws: `stripe.amount_unsupported` (field `amount`) before any call, for
    ///   an amount that is not positive, is above Stripe's maximum, is not a whole number of
    ///   Stripe's units (¥ fractions, a three-decimal amount not ending in 0, fractional ISK or
    ///   UGX), or is in a currency Stripe documents no unit for.
    static func encode(_ money: Money) throws -> (amount: Int64, currency: String) {
        let code = money.currency.alphabeticCode
        guard let unit = StripeCurrencyUnit(money.currency) else {
            throw unsupportedCurrency(money.currency)
        }
        guard money.minorUnits > 0 else {
            throw refusal("Stripe takes only positive amounts; this \(code) amount is zero or negative")
        }
        let shift = unit.exponent - money.currency.minorUnitExponent
        let amount: Int64
        if shift >= 0 {
            let (scaled, overflow) = money.minorUnits.multipliedReportingOverflow(by: power(of: shift))
            guard !overflow else {
                throw aboveMaximum(code, unit)
            }
            amount = scaled
        } else {
            let divisor = power(of: -shift)
            guard money.minorUnits % divisor == 0 else {
                throw refusal("This \(code) amount cannot go to Stripe: \(unit.rule)")
            }
            amount = money.minorUnits / divisor
        }
        guard amount % unit.granularity == 0 else {
            throw refusal("This \(code) amount cannot go to Stripe: \(unit.rule)")
        }
        guard amount <= unit.maximum else {
            throw aboveMaximum(code, unit)
        }
        return (amount, code.lowercased())
    }

    /// The `Money` for an `amount` Stripe reports in `currency` (any case). Zero and negative
    /// amounts convert too: Stripe reports `amount_refunded: 0` and the like.
    ///
    /// - Throws: `stripe.amount_unsupported` (field `amount`) for a currency that
    ///   is not in ISO 4217 or that Stripe documents no unit for, or an amount that is not a whole
    ///   number of the currency's ISO minor units (550 ISK units are 5.50 ISK).
    static func decode(_ amount: Int64, currency: String) throws -> Money {
        guard let iso = CurrencyCode.lookup(currency.uppercased()) else {
            let shown = currency.count > 16 ? String(currency.prefix(16)) + "…" : currency
            throw refusal("Stripe reported an amount in '\(shown)', which is not an ISO 4217 currency Bilingus knows")
        }
        guard let unit = StripeCurrencyUnit(iso) else {
            throw unsupportedCurrency(iso)
        }
        let shift = iso.minorUnitExponent - unit.exponent
        if shift >= 0 {
            let (scaled, overflow) = amount.multipliedReportingOverflow(by: power(of: shift))
            guard !overflow else {
                throw refusal("A \(iso.alphabeticCode) amount Stripe reported does not fit in 64-bit minor units")
            }
            return Money(minorUnits: scaled, currency: iso)
        }
        let divisor = power(of: -shift)
        guard amount % divisor == 0 else {
            throw refusal(
                "A \(iso.alphabeticCode) amount Stripe reported is not a whole number of \(iso.alphabeticCode) minor units (\(unit.rule))"
            )
        }
        return Money(minorUnits: amount / divisor, currency: iso)
    }

    /// `10^exponent`; exponents here are 0...3.
    private static func power(of exponent: Int) -> Int64 {
        var result: Int64 = 1
        for _ in 0..<exponent {
            result *= 10
        }
        return result
    }

    private static func refusal(_ message: String) -> BillingError {
        BillingError(.stripeAmountUnsupported, message, field: "amount")
    }

    private static func unsupportedCurrency(_ currency: CurrencyCode) -> BillingError {
        refusal("Stripe documents no amount unit for \(currency.alphabeticCode) (\(currency.name)), so Bilingus sends no \(currency.alphabeticCode) amount to Stripe")
    }

    private static func aboveMaximum(_ code: String, _ unit: StripeCurrencyUnit) -> BillingError {
        refusal("This \(code) amount is above Stripe's maximum of \(unit.maximum) \(code) units (\(majorText(unit.maximum, exponent: unit.exponent)) \(code))")
    }

    /// `99999999` with exponent 2 as `999999.99`, for messages.
    private static func majorText(_ units: Int64, exponent: Int) -> String {
        guard exponent > 0 else {
            return String(units)
        }
        let scale = power(of: exponent)
        let fraction = String(units % scale)
        return "\(units / scale)." + String(repeating: "0", count: exponent - fraction.count) + fraction
    }
}
