/// How one locale writes an amount of money: separators, where the currency goes, and
/// which currencies it writes with a symbol rather than their ISO code.
///
/// The values follow CLDR's "standard" currency pattern for each language. Only currencies
/// whose symbol is unambiguous to that locale's readers get one; the others are written
/// with their ISO code (`RUB 10.00` in English, `1,234 BHD` in Russian).
struct MoneyFormatRule: Sendable, Hashable {
    /// Where the currency stands relative to the number.
    enum Placement: Sendable, Hashable {
        /// `€1,234.56`, `BHD 1.234`: a symbol touches the number, a code is spaced.
        case prefix
        /// `1 234,56 €`: always one no-break space before the currency.
        case suffix
    }

    /// Between groups of three integer digits.
    var groupSeparator: String
    /// Between the integer and the fraction.
    var decimalSeparator: String
    /// Integer digits beyond the first group needed before grouping starts: with 2, `1234`
    /// stays ungrouped but `12.345` is grouped (Spanish, Polish).
    var minimumGroupingDigits: Int = 1
    var placement: Placement
    /// Currency code → the symbol this locale writes.
    var symbols: [String: String]

    /// The rule for a locale: the first of its fallback chain that has one, else ``fallback``.
    static func rule(for locale: EmailLocale) -> MoneyFormatRule {
        for candidate in locale.fallbackChain {
            if let rule = table[candidate.identifier] { return rule }
        }
        return fallback
    }

    /// For languages without a rule: English separators and ISO codes, which every
    /// reader of a billing email can decode (`EUR 1,234.56`).
    static let fallback = MoneyFormatRule(groupSeparator: ",", decimalSeparator: ".", placement: .prefix, symbols: [:])

    private static let noBreakSpace = "\u{00A0}"
    private static let narrowNoBreakSpace = "\u{202F}"

    /// The rules by normalized locale identifier (a language, or a language and region).
    static let table: [String: MoneyFormatRule] = [
        "en": MoneyFormatRule(
            groupSeparator: ",", decimalSeparator: ".", placement: .prefix,
            symbols: [
                "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "KRW": "₩", "ILS": "₪",
                "CNY": "CN¥", "CAD": "CA$", "AUD": "A$", "NZD": "NZ$", "HKD": "HK$", "MXN": "MX$", "BRL": "R$",
            ]
        ),
        "ru": MoneyFormatRule(
            groupSeparator: noBreakSpace, decimalSeparator: ",", placement: .suffix,
            symbols: ["RUB": "₽", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "UAH": "₴", "CNY": "CN¥"]
        ),
        "de": MoneyFormatRule(
            groupSeparator: ".", decimalSeparator: ",", placement: .suffix,
            symbols: ["EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"]
        ),
        "fr": MoneyFormatRule(
            groupSeparator: narrowNoBreakSpace, decimalSeparator: ",", placement: .suffix,
            symbols: ["EUR": "€", "USD": "$US", "GBP": "£GB", "CAD": "$CA"]
        ),
        "es": MoneyFormatRule(
            groupSeparator: ".", decimalSeparator: ",", minimumGroupingDigits: 2, placement: .suffix,
            symbols: ["EUR": "€", "USD": "US$"]
        ),
    ]
}
