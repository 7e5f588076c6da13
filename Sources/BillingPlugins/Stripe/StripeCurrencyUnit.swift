import BillingCore

/// How Stripe counts `amount` in one currency, which is not always ISO 4217's minor unit.
///
/// The rules, from Stripe's own pages:
/// - https://docs.stripe.com/currencies ("Specify amounts in API requests", "Zero-decimal
///   currencies", "Special cases", "Maximum charge amounts");
/// - https://web.archive.org/web/20220618095455/https://stripe.com/en-mt/docs/currencies
///   ("Three-decimal currencies": the last digit must be 0; the live page no longer has that
///   section, so Bilingus keeps the stricter rule);
/// - https://support.stripe.com/questions/deprecation-of-fractional-isk-charges-and-refunds
///   (ISK amounts must be multiples of 100 since 2023-04-14, for charges and refunds);
/// - https://docs.stripe.com/api/payment_intents/object (`amount` "supports up to eight digits").
struct StripeCurrencyUnit: Sendable, Equatable {
    /// Decimal digits of Stripe's unit: 0 for JPY, 2 for USD (and ISK and UGX), 3 for KWD.
    let exponent: Int
    /// Stripe takes only multiples of this many units: 10 for three-decimal currencies,
    /// 100 for ISK and UGX (whole units in a two-decimal amount), 1 otherwise.
    let granularity: Int64
    /// The largest `amount` Stripe takes in this currency.
    let maximum: Int64
    /// The rule in words, for error messages.
    let rule: String

    /// Stripe's unit for `currency`, or `nil` when Stripe documents none (fund codes, units of
    /// account, and ISO currencies whose decimals Stripe never specifies, such as IQD and LYD).
    init?(_ currency: CurrencyCode) {
        let code = currency.alphabeticCode
        let maximum = Self.maximums[code] ?? Self.defaultMaximum
        if Self.unsupported.contains(code) {
            return nil
        }
        if Self.zeroDecimal.contains(code) {
            self.init(exponent: 0, granularity: 1, maximum: maximum, rule: "\(code) is a zero-decimal currency at Stripe: whole \(code) only")
        } else if Self.wholeUnitsAsTwoDecimal.contains(code) {
            self.init(
                exponent: 2, granularity: 100, maximum: maximum,
                rule: "Stripe takes \(code) as a two-decimal amount in whole units only (a multiple of 100)"
            )
        } else if Self.threeDecimal.contains(code) {
            self.init(
                exponent: 3, granularity: 10, maximum: maximum,
                rule: "\(code) is a three-decimal currency at Stripe: the amount in thousandths must end in 0"
            )
        } else if currency.minorUnitExponent == 2 {
            // "Currencies are two-decimal currencies unless otherwise specified." HUF and TWD are
            // among them: their whole-unit rule is for payouts only, and charges take two decimals.
            self.init(exponent: 2, granularity: 1, maximum: maximum, rule: "\(code) is a two-decimal currency at Stripe")
        } else {
            return nil
        }
    }

    private init(exponent: Int, granularity: Int64, maximum: Int64, rule: String) {
        self.exponent = exponent
        self.granularity = granularity
        self.maximum = maximum
        self.rule = rule
    }

    /// Stripe's list of zero-decimal currencies. UGX is on it too, but its special case
    /// (a two-decimal amount ending in 00) is the rule the API applies, so it is below.
    /// MGA is here although ISO 4217 gives it two decimals.
    static let zeroDecimal: Set<String> = [
        "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "VND", "VUV", "XAF", "XOF", "XPF",
    ]

    /// "Transitioned to a zero-decimal currency, but backward compatibility requires you to
    /// represent it as a two-decimal value, where the decimal amount is always 00."
    static let wholeUnitsAsTwoDecimal: Set<String> = ["ISK", "UGX"]

    /// Thousandths whose last digit must be 0 ("Your integration must round amounts to the nearest ten").
    static let threeDecimal: Set<String> = ["BHD", "JOD", "KWD", "OMR", "TND"]

    /// ISO 4217 fund codes and units of account: not presentment currencies at Stripe.
    static let unsupported: Set<String> = [
        "BOV", "CHE", "CHW", "CLF", "COU", "MXV", "USN", "UYI", "UYW", "XAD", "XDR", "XSU", "XUA",
    ]

    /// Eight digits: the PaymentIntent reference's limit, and the currencies page's limit for
    /// payment methods other than cards. Most cards take 12 digits, but the plugin does not know
    /// which payment method Stripe will charge, so it does not assume more.
    static let defaultMaximum: Int64 = 99_999_999

    /// The currencies page's higher digit limits for these currencies. A card network (American
    /// Express takes at most 9 digits) can be stricter; Stripe then refuses the call itself.
    static let maximums: [String: Int64] = [
        "IDR": 999_999_999_999,  // 12 digits
        "COP": 9_999_999_999,  // 10 digits
        "INR": 999_999_999,  // 9 digits
    ]
}
