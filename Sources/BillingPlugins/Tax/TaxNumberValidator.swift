/// Checks whether a tax number (a VAT id, an ABN, an INN) is well formed for a country.
///
/// Input is forgiving: the country prefix (`DE`, `EL`, `CHE`) is optional, spaces,
/// dots and dashes are ignored, and letters may be lowercase. What is checked:
///
/// - EU member states and GB: the format only. Whether the number was actually
///   issued needs VIES (or HMRC), which this validator does not call.
/// - NO, CH, AU, RU: the format and the check digits.
///
/// Any other country returns `false` and ``supports(country:)`` returns `false`;
/// treat that as "not checked" rather than "invalid".
///
/// ```swift
/// TaxNumberValidator.isValid("DE 136 695 976", country: "DE")      // true
/// TaxNumberValidator.isValid("CHE-107.787.577 IVA", country: "CH") // true
/// TaxNumberValidator.isValid("83 914 571 673", country: "AU")      // true
/// ```
public enum TaxNumberValidator {
    /// Whether `number` is a well-formed tax number for `country`.
    ///
    /// - Parameters:
    ///   - number: The number as the customer typed it, with or without the country prefix.
    ///   - country: ISO 3166-1 alpha-2, case-insensitive; `EL` is accepted for Greece.
    /// - Returns: `false` when the number is malformed, its check digits are wrong, or the
    ///   country is not supported.
    public static func isValid(_ number: String, country: String) -> Bool {
        let country = normalizedCountry(country)
        guard supportedCountries.contains(country), let cleaned = clean(number) else { return false }
        return matches(stripPrefix(cleaned, country: country), country: country)
    }

    /// Whether ``isValid(_:country:)`` knows the country's tax numbers (`EL` counts as Greece).
    public static func supports(country: String) -> Bool {
        supportedCountries.contains(normalizedCountry(country))
    }

    /// The countries whose tax numbers are checked, as ISO 3166-1 alpha-2 codes (Greece is `GR`).
    public static let supportedCountries: Set<String> = euMemberStates.union(["GB", "NO", "CH", "AU", "RU"])

    /// The 27 EU member states (Greece as `GR`), for reverse charge.
    static let euMemberStates: Set<String> = [
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
        "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    ]

    /// Trimmed, uppercased, with Greece's VAT prefix `EL` mapped to its ISO code `GR`.
    static func normalizedCountry(_ country: String) -> String {
        let code = normalizedCode(country)
        return code == "EL" ? "GR" : code
    }

    /// A code without surrounding whitespace, uppercased.
    static func normalizedCode(_ code: String) -> String {
        let isSpace: (Character) -> Bool = { $0.isWhitespace }
        return String(code.drop(while: isSpace).reversed().drop(while: isSpace).reversed()).uppercased()
    }

    /// The longest input worth looking at; real numbers with prefix and suffix are under 20.
    private static let maximumLength = 32

    /// Uppercased, without spaces, dots and dashes; `nil` if anything else is not ASCII
    /// alphanumeric (`+` and `*` stay: old Irish numbers use them).
    private static func clean(_ number: String) -> String? {
        var cleaned = ""
        // Check ASCII before uppercasing: "ß".uppercased() is "SS".
        for character in number {
            if character == "." || character == "-" || character.isWhitespace { continue }
            guard character.isASCII, character.isLetter || character.isNumber || character == "+" || character == "*" else {
                return nil
            }
            cleaned.append(character)
            guard cleaned.count <= maximumLength else { return nil }
        }
        return cleaned.uppercased()
    }

    /// The number without its country prefix, if it has one.
    private static func stripPrefix(_ number: String, country: String) -> Substring {
        let prefixes: [String] =
            switch country {
            case "GR": ["EL", "GR"]
            case "CH": ["CHE"]
            default: [country]
            }
        for prefix in prefixes where number.hasPrefix(prefix) {
            return number.dropFirst(prefix.count)
        }
        return number[...]
    }

    /// Whether the prefix-free `body` is valid for the (normalized, supported) `country`.
    private static func matches(_ body: Substring, country: String) -> Bool {
        switch country {
        case "AT": body.wholeMatch(of: /U[0-9]{8}/) != nil
        case "BE": body.wholeMatch(of: /[01][0-9]{9}/) != nil
        case "BG": body.wholeMatch(of: /[0-9]{9,10}/) != nil
        case "CY": body.wholeMatch(of: /[0-9]{8}[A-Z]/) != nil
        case "CZ": body.wholeMatch(of: /[0-9]{8,10}/) != nil
        case "DE", "EE", "GR", "PT": body.wholeMatch(of: /[0-9]{9}/) != nil
        case "DK", "FI", "HU", "LU", "MT", "SI": body.wholeMatch(of: /[0-9]{8}/) != nil
        case "ES": body.wholeMatch(of: /[0-9A-Z][0-9]{7}[0-9A-Z]/) != nil
        // The two-character key is digits or letters other than I and O.
        case "FR": body.wholeMatch(of: /[0-9A-HJ-NP-Z]{2}[0-9]{9}/) != nil
        case "HR", "IT", "LV": body.wholeMatch(of: /[0-9]{11}/) != nil
        // 2013 format (7 digits + 1–2 letters) or the old one (digit, letter/+/*, 5 digits, letter).
        case "IE": body.wholeMatch(of: /(?:[0-9]{7}[A-Z]{1,2})|(?:[0-9][A-Z+*][0-9]{5}[A-Z])/) != nil
        case "LT": body.wholeMatch(of: /(?:[0-9]{9})|(?:[0-9]{12})/) != nil
        case "NL": body.wholeMatch(of: /[0-9]{9}B[0-9]{2}/) != nil
        case "PL", "SK": body.wholeMatch(of: /[0-9]{10}/) != nil
        case "RO": body.wholeMatch(of: /[0-9]{2,10}/) != nil
        case "SE": body.wholeMatch(of: /[0-9]{12}/) != nil
        // Standard (9 or 12 digits), government departments (GD000–GD499), health authorities (HA500–HA999).
        case "GB": body.wholeMatch(of: /(?:[0-9]{9})|(?:[0-9]{12})|(?:GD[0-4][0-9]{2})|(?:HA[5-9][0-9]{2})/) != nil
        case "NO":
            body.wholeMatch(of: /[0-9]{9}(?:MVA)?/) != nil
                && TaxNumberChecksums.isValidNorwegianOrganisationNumber(digits(body.prefix(9)))
        case "CH":
            body.wholeMatch(of: /[0-9]{9}(?:MWST|TVA|IVA|VAT)?/) != nil
                && TaxNumberChecksums.isValidSwissUID(digits(body.prefix(9)))
        case "AU": body.wholeMatch(of: /[0-9]{11}/) != nil && TaxNumberChecksums.isValidABN(digits(body))
        case "RU": body.wholeMatch(of: /(?:[0-9]{10})|(?:[0-9]{12})/) != nil && TaxNumberChecksums.isValidINN(digits(body))
        default: false
        }
    }

    /// The decimal values of ASCII digits (callers have matched `[0-9]` already).
    private static func digits(_ text: Substring) -> [Int] {
        text.compactMap(\.wholeNumberValue)
    }
}
