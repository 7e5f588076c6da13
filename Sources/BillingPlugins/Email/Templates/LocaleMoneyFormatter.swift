import BillingCore

/// Writes `Money` the way a locale's readers expect (`€1,234.56`, `1 234,56 ₽`, `¥1,235`),
/// from integer minor units and the currency's ISO 4217 exponent.
///
/// No `Double` and no `NumberFormatter` (which goes through floating point): the digits
/// are the minor units' own, split at the exponent, so every amount up to `Int64`'s
/// bounds is exact. The rules are ``MoneyFormatRule``'s table.
struct LocaleMoneyFormatter: Sendable {
    let rule: MoneyFormatRule

    init(locale: EmailLocale) {
        self.rule = MoneyFormatRule.rule(for: locale)
    }

    init(rule: MoneyFormatRule) {
        self.rule = rule
    }

    /// The amount with its currency, such as `-€1,234.56` or `1 234,56 €`.
    func format(_ money: Money) -> String {
        let number = formatNumber(money)
        let code = money.currency.alphabeticCode
        let sign = money.isNegative ? "-" : ""
        switch rule.placement {
        case .suffix:
            return sign + number + "\u{00A0}" + (rule.symbols[code] ?? code)
        case .prefix:
            // A symbol touches the number (`$10.00`); a code or a symbol ending in a
            // letter is spaced so the two do not read as one word (`BHD 1.234`).
            let label = rule.symbols[code] ?? code
            let spaced = label.last?.isLetter ?? true
            return sign + label + (spaced ? "\u{00A0}" : "") + number
        }
    }

    /// The magnitude alone, grouped and with the locale's decimal separator: `1,234.56`.
    func formatNumber(_ money: Money) -> String {
        let exponent = money.currency.minorUnitExponent
        var digits = String(money.minorUnits.magnitude)
        if digits.count <= exponent {
            digits = String(repeating: "0", count: exponent - digits.count + 1) + digits
        }
        let integer = digits.prefix(digits.count - exponent)
        let fraction = digits.suffix(exponent)
        let grouped = group(integer)
        return fraction.isEmpty ? grouped : grouped + rule.decimalSeparator + fraction
    }

    /// Inserts the group separator every three digits from the right, once the number
    /// has enough digits for this locale to group at all.
    private func group(_ integer: Substring) -> String {
        guard integer.count >= 3 + rule.minimumGroupingDigits else { return String(integer) }
        var result = ""
        for (offset, digit) in integer.enumerated() {
            if offset > 0, (integer.count - offset) % 3 == 0 { result += rule.groupSeparator }
            result.append(digit)
        }
        return result
    }
}
