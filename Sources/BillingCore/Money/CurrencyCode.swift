/// An active ISO 4217 currency, such as `USD` or `JPY`.
///
/// Values can only be obtained from Bilingus' ISO 4217 table (see ``lookup(_:)``,
/// ``init(_:)`` and the static constants), so every `CurrencyCode` carries a valid
/// numeric code and minor-unit exponent.
///
/// Two codes are equal when their ``alphabeticCode`` is equal. A code encodes as a
/// single JSON string such as `"USD"`.
public struct CurrencyCode: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The three-letter uppercase code, for example `USD`.
    public let alphabeticCode: String
    /// The ISO 4217 numeric code, for example `840` for `USD`.
    public let numericCode: Int
    /// How many decimal digits the minor unit has (0...4): 2 for `USD`, 0 for `JPY`, 3 for `KWD`.
    public let minorUnitExponent: Int
    /// The English currency name from ISO 4217, for example `US Dollar`.
    public let name: String

    /// Creates an entry of the ISO 4217 table. Only the table calls this.
    package init(validatedAlphabeticCode: String, numericCode: Int, minorUnitExponent: Int, name: String) {
        precondition((0...4).contains(minorUnitExponent), "Minor-unit exponent out of range for \(validatedAlphabeticCode)")
        self.alphabeticCode = validatedAlphabeticCode
        self.numericCode = numericCode
        self.minorUnitExponent = minorUnitExponent
        self.name = name
    }

    /// Looks up an active ISO 4217 code.
    ///
    /// - Parameter code: A three-letter uppercase code such as `"EUR"`. Lookup is case-sensitive.
    /// - Throws: ``BillingError`` with code ``BillingError/Code/unknownCurrency`` and field
    ///   `currency` when the code is not in the table (including lowercase spellings).
    public init(_ code: String) throws {
        guard let currency = Self.lookup(code) else {
            throw BillingError(.unknownCurrency, Self.unknownCodeMessage(code), field: "currency")
        }
        self = currency
    }

    /// The active ISO 4217 currency with this alphabetic code, or `nil`.
    ///
    /// Lookup is case-sensitive: `"usd"` returns `nil`.
    public static func lookup(_ code: String) -> CurrencyCode? {
        ISO4217.currencies[code]
    }

    /// Every currency in the table, sorted by ``alphabeticCode``.
    public static var allActive: [CurrencyCode] {
        ISO4217.sortedCurrencies
    }

    /// The alphabetic code, for example `USD`.
    public var description: String { alphabeticCode }

    /// Compares by ``alphabeticCode`` only.
    public static func == (lhs: CurrencyCode, rhs: CurrencyCode) -> Bool {
        lhs.alphabeticCode == rhs.alphabeticCode
    }

    /// Hashes the ``alphabeticCode`` only.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(alphabeticCode)
    }

    /// Decodes a single string such as `"USD"` and validates it against the table.
    ///
    /// An unknown code fails with `DecodingError.dataCorrupted` whose underlying error is
    /// the ``BillingError`` that ``init(_:)`` throws.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let code = try container.decode(String.self)
        do {
            self = try CurrencyCode(code)
        } catch let error as BillingError {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: decoder.codingPath,
                    debugDescription: error.message,
                    underlyingError: error
                )
            )
        }
    }

    /// Encodes as a single string such as `"USD"`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(alphabeticCode)
    }

    /// `10^minorUnitExponent`: how many minor units make one major unit (100 for USD, 1 for JPY, 1,000 for KWD).
    public var minorUnitsPerMajorUnit: Int64 {
        var scale: Int64 = 1
        for _ in 0..<minorUnitExponent {
            scale *= 10
        }
        return scale
    }

    /// The operator-facing message for a code that is not in the table.
    private static func unknownCodeMessage(_ code: String) -> String {
        // Keep log lines short even if someone passes a whole document as a code.
        let shown = code.count > 16 ? String(code.prefix(16)) + "…" : code
        let uppercased = code.uppercased()
        if uppercased != code, lookup(uppercased) != nil {
            return "Currency code '\(shown)' must be uppercase; did you mean '\(uppercased)'?"
        }
        return "'\(shown)' is not an active ISO 4217 currency code"
    }

    /// A table entry that must exist; used for the static constants.
    private static func known(_ code: String) -> CurrencyCode {
        guard let currency = lookup(code) else {
            preconditionFailure("\(code) is missing from the ISO 4217 table")
        }
        return currency
    }
}

extension CurrencyCode {
    /// US Dollar (`USD`, 2 decimals).
    public static let usd = known("USD")
    /// Euro (`EUR`, 2 decimals).
    public static let eur = known("EUR")
    /// Pound Sterling (`GBP`, 2 decimals).
    public static let gbp = known("GBP")
    /// Yen (`JPY`, no minor unit).
    public static let jpy = known("JPY")
    /// Swiss Franc (`CHF`, 2 decimals).
    public static let chf = known("CHF")
    /// Yuan Renminbi (`CNY`, 2 decimals).
    public static let cny = known("CNY")
    /// Russian Ruble (`RUB`, 2 decimals).
    public static let rub = known("RUB")
    /// Indian Rupee (`INR`, 2 decimals).
    public static let inr = known("INR")
    /// Won (`KRW`, no minor unit).
    public static let krw = known("KRW")
    /// Kuwaiti Dinar (`KWD`, 3 decimals).
    public static let kwd = known("KWD")
    /// Bahraini Dinar (`BHD`, 3 decimals).
    public static let bhd = known("BHD")
    /// Jordanian Dinar (`JOD`, 3 decimals).
    public static let jod = known("JOD")
    /// Rial Omani (`OMR`, 3 decimals).
    public static let omr = known("OMR")
    /// Tunisian Dinar (`TND`, 3 decimals).
    public static let tnd = known("TND")
    /// Chilean Peso (`CLP`, no minor unit).
    public static let clp = known("CLP")
    /// Iceland Krona (`ISK`, no minor unit).
    public static let isk = known("ISK")
    /// Dong (`VND`, no minor unit).
    public static let vnd = known("VND")
    /// Unidad de Fomento (`CLF`, 4 decimals).
    public static let clf = known("CLF")
    /// Unidad Previsional (`UYW`, 4 decimals).
    public static let uyw = known("UYW")
    /// Canadian Dollar (`CAD`, 2 decimals).
    public static let cad = known("CAD")
    /// Australian Dollar (`AUD`, 2 decimals).
    public static let aud = known("AUD")
    /// Swedish Krona (`SEK`, 2 decimals).
    public static let sek = known("SEK")
    /// Norwegian Krone (`NOK`, 2 decimals).
    public static let nok = known("NOK")
    /// Danish Krone (`DKK`, 2 decimals).
    public static let dkk = known("DKK")
    /// Zloty (`PLN`, 2 decimals).
    public static let pln = known("PLN")
    /// Czech Koruna (`CZK`, 2 decimals).
    public static let czk = known("CZK")
    /// Brazilian Real (`BRL`, 2 decimals).
    public static let brl = known("BRL")
    /// Mexican Peso (`MXN`, 2 decimals).
    public static let mxn = known("MXN")
}
