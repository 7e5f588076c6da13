import Foundation
import Testing

@testable import BillingCore

// MARK: - Helpers

/// Expects `body` to throw a ``BillingError`` with `code` (and `field`, when given) and returns it.
@discardableResult
private func expectBillingError<T>(
    _ code: BillingError.Code,
    field: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> T
) -> BillingError? {
    let error = #expect(throws: BillingError.self, sourceLocation: sourceLocation) {
        _ = try body()
    }
    #expect(error?.code == code, sourceLocation: sourceLocation)
    if let field {
        #expect(error?.field == field, sourceLocation: sourceLocation)
    }
    return error
}

private func usd(_ minorUnits: Int64) -> Money { Money(minorUnits: minorUnits, currency: .usd) }

private func minorUnits(_ amounts: [Money]) -> [Int64] { amounts.map(\.minorUnits) }

/// Money, currencies, rounding, allocation and parsing; nested suites below.
@Suite("Money")
struct MoneyTests {}

// MARK: - Currency table

extension MoneyTests {
    @Suite("ISO 4217 table")
    struct CurrencyTable {
        static let zeroDecimal = [
            "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV",
            "XAF", "XOF", "XPF",
            // ISO lists these as "N.A."; Bilingus counts them in whole units.
            "XDR", "XSU", "XUA",
        ]
        static let threeDecimal = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"]
        static let fourDecimal = ["CLF", "UYW"]

        @Test("Zero-decimal currencies", arguments: zeroDecimal)
        func zeroDecimalExponent(code: String) throws {
            #expect(try CurrencyCode(code).minorUnitExponent == 0)
        }

        @Test("Three-decimal currencies", arguments: threeDecimal)
        func threeDecimalExponent(code: String) throws {
            #expect(try CurrencyCode(code).minorUnitExponent == 3)
        }

        @Test("Four-decimal currencies", arguments: fourDecimal)
        func fourDecimalExponent(code: String) throws {
            #expect(try CurrencyCode(code).minorUnitExponent == 4)
        }

        @Test("Every other currency has two decimals")
        func everyOtherCurrencyHasTwoDecimals() {
            let special = Set(Self.zeroDecimal + Self.threeDecimal + Self.fourDecimal)
            for currency in CurrencyCode.allActive where !special.contains(currency.alphabeticCode) {
                #expect(currency.minorUnitExponent == 2, "\(currency)")
            }
        }

        @Test("Table sanity: codes, numeric codes, exponents, names")
        func tableSanity() {
            let all = CurrencyCode.allActive
            #expect(all.count >= 150)
            #expect(all.count == ISO4217.currencies.count)
            for currency in all {
                let scalars = Array(currency.alphabeticCode.unicodeScalars)
                #expect(scalars.count == 3, "\(currency)")
                #expect(scalars.allSatisfy { ("A"..."Z").contains($0) }, "\(currency)")
                #expect((1...999).contains(currency.numericCode), "\(currency)")
                #expect((0...4).contains(currency.minorUnitExponent), "\(currency)")
                #expect(!currency.name.isEmpty, "\(currency)")
                #expect(CurrencyCode.lookup(currency.alphabeticCode)?.numericCode == currency.numericCode)
            }
            #expect(Set(all.map(\.numericCode)).count == all.count, "numeric codes must be unique")
            #expect(Set(all.map(\.alphabeticCode)).count == all.count)
            #expect(all.map(\.alphabeticCode) == all.map(\.alphabeticCode).sorted(), "allActive must be sorted")
        }

        @Test(
            "Current, fund and supranational codes are present",
            arguments: [
                "BOV", "CHE", "CHW", "CLF", "COU", "MXV", "USN", "UYI", "UYW",
                "XAF", "XCD", "XOF", "XPF", "XDR", "XSU", "XUA",
                "XCG", "SLE", "VES", "VED", "ZWG", "STN", "MRU", "XAD", "BGN",
            ]
        )
        func presentCodes(code: String) {
            #expect(CurrencyCode.lookup(code) != nil)
        }

        @Test(
            "Metals, bond units, test codes and withdrawn codes are absent",
            arguments: [
                "XAU", "XAG", "XPD", "XPT", "XBA", "XBB", "XBC", "XBD", "XTS", "XXX",
                "ANG", "ZWL", "SLL", "HRK", "CUC", "VEF", "STD", "MRO",
            ]
        )
        func absentCodes(code: String) {
            #expect(CurrencyCode.lookup(code) == nil)
            expectBillingError(.unknownCurrency, field: "currency") { try CurrencyCode(code) }
        }

        static let numericCases: [(String, Int, String)] = [
            ("USD", 840, "US Dollar"), ("EUR", 978, "Euro"), ("JPY", 392, "Yen"), ("ALL", 8, "Lek"),
            ("XCG", 532, "Caribbean Guilder"), ("ZWG", 924, "Zimbabwe Gold"), ("CLF", 990, "Unidad de Fomento"),
            ("UYW", 927, "Unidad Previsional"), ("KWD", 414, "Kuwaiti Dinar"), ("XDR", 960, "SDR (Special Drawing Right)"),
        ]

        @Test("Numeric codes and names", arguments: numericCases)
        func numericCodes(code: String, numeric: Int, name: String) throws {
            let currency = try CurrencyCode(code)
            #expect(currency.numericCode == numeric)
            #expect(currency.name == name)
        }

        @Test("Static constants match the table")
        func staticConstants() {
            let constants: [(CurrencyCode, String, Int)] = [
                (.usd, "USD", 2), (.eur, "EUR", 2), (.gbp, "GBP", 2), (.jpy, "JPY", 0), (.chf, "CHF", 2),
                (.cny, "CNY", 2), (.rub, "RUB", 2), (.inr, "INR", 2), (.krw, "KRW", 0), (.kwd, "KWD", 3),
                (.bhd, "BHD", 3), (.jod, "JOD", 3), (.omr, "OMR", 3), (.tnd, "TND", 3), (.clp, "CLP", 0),
                (.isk, "ISK", 0), (.vnd, "VND", 0), (.clf, "CLF", 4), (.uyw, "UYW", 4), (.cad, "CAD", 2),
                (.aud, "AUD", 2), (.sek, "SEK", 2), (.nok, "NOK", 2), (.dkk, "DKK", 2), (.pln, "PLN", 2),
                (.czk, "CZK", 2), (.brl, "BRL", 2), (.mxn, "MXN", 2),
            ]
            for (constant, code, exponent) in constants {
                #expect(constant.alphabeticCode == code)
                #expect(constant.minorUnitExponent == exponent, "\(code)")
                #expect(constant.description == code)
            }
        }
    }
}

// MARK: - CurrencyCode

extension MoneyTests {
    @Suite("CurrencyCode")
    struct CurrencyCodes {
        @Test("Init looks up the table")
        func initLooksUp() throws {
            let usd = try CurrencyCode("USD")
            #expect(usd == .usd)
            #expect(usd.numericCode == 840)
            #expect(usd.minorUnitExponent == 2)
            #expect(usd.description == "USD")
        }

        @Test("Lowercase is rejected with a helpful message")
        func lowercaseRejected() {
            #expect(CurrencyCode.lookup("usd") == nil)
            let error = expectBillingError(.unknownCurrency, field: "currency") { try CurrencyCode("usd") }
            #expect(error?.message.contains("did you mean 'USD'") == true)
            let mixed = expectBillingError(.unknownCurrency) { try CurrencyCode("Eur") }
            #expect(mixed?.message.contains("'EUR'") == true)
        }

        @Test("Unknown and malformed codes are rejected", arguments: ["", "US", "USDX", "XYZ", " USD", "U$D", "ÜSD"])
        func unknownRejected(code: String) {
            let error = expectBillingError(.unknownCurrency, field: "currency") { try CurrencyCode(code) }
            #expect(error?.message.contains("did you mean") == false)
        }

        @Test("Long bogus codes are truncated in the message")
        func longCodeTruncated() {
            let error = expectBillingError(.unknownCurrency) { try CurrencyCode(String(repeating: "A", count: 500)) }
            #expect((error?.message.count ?? 0) < 100)
        }

        @Test("Equality and hashing use the alphabetic code only")
        func equalityAndHashing() throws {
            let copy = CurrencyCode(validatedAlphabeticCode: "USD", numericCode: 1, minorUnitExponent: 0, name: "Other")
            #expect(copy == .usd)
            #expect(copy.hashValue == CurrencyCode.usd.hashValue)
            #expect(CurrencyCode.usd != .eur)
            let set: Set<CurrencyCode> = [.usd, try CurrencyCode("USD"), .eur, copy]
            #expect(set.count == 2)
        }

        @Test("Codable as a single JSON string")
        func codable() throws {
            let data = try JSONEncoder().encode([CurrencyCode.usd, .jpy])
            #expect(String(decoding: data, as: UTF8.self) == #"["USD","JPY"]"#)
            let decoded = try JSONDecoder().decode([CurrencyCode].self, from: Data(#"["KWD","CLF"]"#.utf8))
            #expect(decoded == [.kwd, .clf])
            #expect(decoded[1].minorUnitExponent == 4)
        }

        @Test("Decoding an unknown code fails with the BillingError underneath", arguments: [#""usd""#, #""XYZ""#, #""XAU""#])
        func decodingUnknown(json: String) {
            let error = #expect(throws: DecodingError.self) {
                try JSONDecoder().decode(CurrencyCode.self, from: Data(json.utf8))
            }
            guard case .dataCorrupted(let context) = error else {
                Issue.record("Expected dataCorrupted, got \(String(describing: error))")
                return
            }
            #expect((context.underlyingError as? BillingError)?.code == .unknownCurrency)
            #expect(!context.debugDescription.isEmpty)
        }

        @Test("Decoding a non-string fails")
        func decodingNonString() {
            #expect(throws: DecodingError.self) {
                try JSONDecoder().decode(CurrencyCode.self, from: Data("840".utf8))
            }
        }
    }
}

// MARK: - Money basics and arithmetic

extension MoneyTests {
    @Suite("Arithmetic")
    struct Arithmetic {
        @Test("Zero and sign")
        func zeroAndSign() {
            let zero = Money.zero(.eur)
            #expect(zero.minorUnits == 0)
            #expect(zero.currency == .eur)
            #expect(zero.isZero && !zero.isNegative && !zero.isPositive)
            #expect(usd(-1).isNegative && !usd(-1).isZero && !usd(-1).isPositive)
            #expect(usd(1).isPositive && !usd(1).isZero && !usd(1).isNegative)
        }

        @Test("Equality includes the currency")
        func equality() {
            #expect(usd(100) == Money(minorUnits: 100, currency: .usd))
            #expect(usd(100) != Money(minorUnits: 100, currency: .eur))
            #expect(usd(100) != usd(101))
            #expect(Set([usd(1), usd(1), Money(minorUnits: 1, currency: .cad)]).count == 2)
        }

        static let majorCases: [(Int64, CurrencyCode, Int64)] = [
            (12, .usd, 1200),
            (12, .jpy, 12),
            (12, .kwd, 12000),
            (12, .bhd, 12000),
            (12, .clf, 120_000),
            (-3, .usd, -300),
            (0, .clf, 0),
            (Int64.max / 100, .usd, 9_223_372_036_854_775_800),
            (Int64.min / 100, .usd, -9_223_372_036_854_775_800),
            (Int64.max, .jpy, Int64.max),
            (Int64.min, .jpy, Int64.min),
        ]

        @Test("Major units scale by the exponent", arguments: majorCases)
        func majorInit(major: Int64, currency: CurrencyCode, expected: Int64) throws {
            let money = try Money(major: major, currency: currency)
            #expect(money.minorUnits == expected)
            #expect(money.currency == currency)
        }

        static let majorOverflowCases: [(Int64, CurrencyCode)] = [
            (Int64.max, .usd), (Int64.max / 100 + 1, .usd), (Int64.min / 100 - 1, .usd),
            (Int64.max / 1000 + 1, .kwd), (Int64.max / 10000 + 1, .clf), (Int64.min, .clf),
        ]

        @Test("Major units overflow", arguments: majorOverflowCases)
        func majorInitOverflow(major: Int64, currency: CurrencyCode) {
            expectBillingError(.overflow) { try Money(major: major, currency: currency) }
        }

        @Test("Adding and subtracting")
        func addSubtract() throws {
            #expect(try usd(1234).adding(usd(66)) == usd(1300))
            #expect(try usd(-5).adding(usd(3)) == usd(-2))
            #expect(try usd(1234).subtracting(usd(2000)) == usd(-766))
            #expect(try usd(Int64.max).adding(usd(Int64.min)) == usd(-1))
            #expect(try usd(Int64.min).subtracting(usd(-1)) == usd(Int64.min + 1))
            #expect(try usd(Int64.max - 1).adding(usd(1)) == usd(Int64.max))
        }

        @Test("Overflow on add, subtract, multiply and negate")
        func overflow() throws {
            expectBillingError(.overflow) { try usd(Int64.max).adding(usd(1)) }
            expectBillingError(.overflow) { try usd(Int64.min).adding(usd(-1)) }
            expectBillingError(.overflow) { try usd(Int64.min).subtracting(usd(1)) }
            expectBillingError(.overflow) { try usd(0).subtracting(usd(Int64.min)) }
            expectBillingError(.overflow) { try usd(Int64.max).multiplied(by: 2) }
            expectBillingError(.overflow) { try usd(Int64.min).multiplied(by: -1) }
            expectBillingError(.overflow) { try usd(4_611_686_018_427_387_904).multiplied(by: 2) }
            expectBillingError(.overflow) { try usd(Int64.min).negated() }
            let error = expectBillingError(.overflow) { try usd(Int64.max).adding(usd(1)) }
            #expect(error?.message.contains("USD") == true)
        }

        @Test("Multiplying and negating")
        func multiplyNegate() throws {
            #expect(try usd(250).multiplied(by: 3) == usd(750))
            #expect(try usd(250).multiplied(by: -3) == usd(-750))
            #expect(try usd(250).multiplied(by: 0) == usd(0))
            #expect(try usd(-4_611_686_018_427_387_904).multiplied(by: 2) == usd(Int64.min))
            #expect(try usd(5).negated() == usd(-5))
            #expect(try usd(-5).negated() == usd(5))
            #expect(try usd(0).negated() == usd(0))
            #expect(try usd(Int64.max).negated() == usd(-Int64.max))
        }

        @Test("Currency mismatch names both codes")
        func currencyMismatch() throws {
            let eur = Money(minorUnits: 100, currency: .eur)
            let add = expectBillingError(.currencyMismatch, field: "currency") { try usd(100).adding(eur) }
            #expect(add?.message.contains("USD") == true)
            #expect(add?.message.contains("EUR") == true)
            expectBillingError(.currencyMismatch) { try usd(100).subtracting(eur) }
            expectBillingError(.currencyMismatch) { try usd(100).isLess(than: eur) }
            expectBillingError(.currencyMismatch) { try usd(100).isGreater(than: eur) }
            let sum = expectBillingError(.currencyMismatch) { try Money.sum([usd(1), eur, usd(2)], currency: .usd) }
            #expect(sum?.message.contains("EUR") == true)
            expectBillingError(.currencyMismatch) { try Money.sum([eur], currency: .usd) }
        }

        @Test("Comparison")
        func comparison() throws {
            #expect(try usd(1).isLess(than: usd(2)))
            #expect(try !usd(2).isLess(than: usd(2)))
            #expect(try usd(-3).isLess(than: usd(-2)))
            #expect(try usd(2).isGreater(than: usd(1)))
            #expect(try !usd(2).isGreater(than: usd(2)))
            #expect(try usd(Int64.max).isGreater(than: usd(Int64.min)))
        }

        @Test("Sum")
        func sum() throws {
            #expect(try Money.sum([usd(1), usd(2), usd(-10)], currency: .usd) == usd(-7))
            #expect(try Money.sum([Money](), currency: .jpy) == .zero(.jpy))
            #expect(try Money.sum((1...100).lazy.map { usd($0) }, currency: .usd) == usd(5050))
            #expect(try Money.sum([usd(Int64.max), usd(Int64.min)], currency: .usd) == usd(-1))
            expectBillingError(.overflow) { try Money.sum([usd(Int64.max), usd(1)], currency: .usd) }
            // Running totals are checked: this overflows before the -1 arrives.
            expectBillingError(.overflow) { try Money.sum([usd(Int64.max), usd(1), usd(-1)], currency: .usd) }
        }
    }
}

// MARK: - Rates and rounding

extension MoneyTests {
    @Suite("Rates and rounding")
    struct RatesAndRounding {
        // (amount, numerator, denominator, [halfEven, halfUp, down, up, floor, ceiling])
        static let cases: [(Int64, Int64, Int64, [Int64])] = [
            (25, 1, 10, [2, 3, 2, 3, 2, 3]),  // 2.5 tie, even below
            (-25, 1, 10, [-2, -3, -2, -3, -3, -2]),  // -2.5
            (35, 1, 10, [4, 4, 3, 4, 3, 4]),  // 3.5 tie, even above
            (-35, 1, 10, [-4, -4, -3, -4, -4, -3]),  // -3.5
            (27, 1, 10, [3, 3, 2, 3, 2, 3]),  // 2.7
            (-27, 1, 10, [-3, -3, -2, -3, -3, -2]),  // -2.7
            (21, 1, 10, [2, 2, 2, 3, 2, 3]),  // 2.1
            (-21, 1, 10, [-2, -2, -2, -3, -3, -2]),  // -2.1
            (5, 1, 10, [0, 1, 0, 1, 0, 1]),  // 0.5
            (-5, 1, 10, [0, -1, 0, -1, -1, 0]),  // -0.5
            (1, 1, 3, [0, 0, 0, 1, 0, 1]),  // 0.333…
            (-1, 1, 3, [0, 0, 0, -1, -1, 0]),  // -0.333…
            (2, 1, 3, [1, 1, 0, 1, 0, 1]),  // 0.666…
            (-2, 1, 3, [-1, -1, 0, -1, -1, 0]),  // -0.666…
            (30, 1, 10, [3, 3, 3, 3, 3, 3]),  // exact
            (-30, 1, 10, [-3, -3, -3, -3, -3, -3]),  // exact
            (0, 7, 3, [0, 0, 0, 0, 0, 0]),
            // The sign may come from the numerator or the denominator.
            (25, -1, 10, [-2, -3, -2, -3, -3, -2]),
            (25, 1, -10, [-2, -3, -2, -3, -3, -2]),
            (-25, -1, 10, [2, 3, 2, 3, 2, 3]),
            (-25, -1, -10, [-2, -3, -2, -3, -3, -2]),
            // 8.25 % tax on 19.99: 164.9175
            (1999, 825, 10_000, [165, 165, 164, 165, 164, 165]),
            (-1999, 825, 10_000, [-165, -165, -164, -165, -165, -164]),
            // Int64.max / 2 × 3 / 4 = 3458764513820540927.25 (needs a 128-bit intermediate)
            (
                Int64.max / 2, 3, 4,
                [
                    3_458_764_513_820_540_927, 3_458_764_513_820_540_927, 3_458_764_513_820_540_927,
                    3_458_764_513_820_540_928, 3_458_764_513_820_540_927, 3_458_764_513_820_540_928,
                ]
            ),
            (
                -(Int64.max / 2), 3, 4,
                [
                    -3_458_764_513_820_540_927, -3_458_764_513_820_540_927, -3_458_764_513_820_540_927,
                    -3_458_764_513_820_540_928, -3_458_764_513_820_540_928, -3_458_764_513_820_540_927,
                ]
            ),
            // -6148914691236517205 × 3 / 2 = -9223372036854775807.5: rounding away from zero reaches Int64.min.
            (
                -6_148_914_691_236_517_205, 3, 2,
                [Int64.min, Int64.min, -Int64.max, Int64.min, Int64.min, -Int64.max]
            ),
            (Int64.max, Int64.max, Int64.max, Array(repeating: Int64.max, count: 6)),
            (Int64.min, Int64.min, Int64.min, Array(repeating: Int64.min, count: 6)),
            (Int64.min, 1, 1, Array(repeating: Int64.min, count: 6)),
            (Int64.min, 1, -1, [])  // overflow in every mode
        ]

        static let modes: [Money.Rounding] = [.halfEven, .halfUp, .down, .up, .floor, .ceiling]

        @Test("Each rounding mode", arguments: cases)
        func rounding(amount: Int64, numerator: Int64, denominator: Int64, expected: [Int64]) throws {
            for (index, mode) in Self.modes.enumerated() {
                let money = usd(amount)
                if expected.isEmpty {
                    expectBillingError(.overflow) {
                        try money.multiplied(by: numerator, dividedBy: denominator, rounding: mode)
                    }
                } else {
                    let result = try money.multiplied(by: numerator, dividedBy: denominator, rounding: mode)
                    #expect(result == usd(expected[index]), "\(amount) × \(numerator)/\(denominator) \(mode)")
                }
            }
        }

        @Test("Default rounding is half-even")
        func defaultIsHalfEven() throws {
            #expect(try usd(25).multiplied(by: 1, dividedBy: 10) == usd(2))
            #expect(try usd(35).multiplied(by: 1, dividedBy: 10) == usd(4))
            #expect(try Money(minorUnits: 15, currency: .jpy).multiplied(by: 1, dividedBy: 10).currency == .jpy)
        }

        @Test("Results past the 64-bit range overflow")
        func rateOverflow() {
            // 6148914691236517205 × 3 / 2 = 9223372036854775807.5: fine when rounded down, overflows when rounded up.
            let nearMax = usd(6_148_914_691_236_517_205)
            #expect((try? nearMax.multiplied(by: 3, dividedBy: 2, rounding: .down)) == usd(Int64.max))
            #expect((try? nearMax.multiplied(by: 3, dividedBy: 2, rounding: .floor)) == usd(Int64.max))
            for mode in [Money.Rounding.halfEven, .halfUp, .up, .ceiling] {
                expectBillingError(.overflow) { try nearMax.multiplied(by: 3, dividedBy: 2, rounding: mode) }
            }
            expectBillingError(.overflow) { try usd(Int64.max).multiplied(by: 2, dividedBy: 1) }
            expectBillingError(.overflow) { try usd(Int64.max).multiplied(by: 3, dividedBy: 2) }
            expectBillingError(.overflow) { try usd(Int64.max).multiplied(by: Int64.max, dividedBy: 1) }
            expectBillingError(.overflow) { try usd(Int64.min).multiplied(by: Int64.min, dividedBy: 1) }
            expectBillingError(.overflow) { try usd(Int64.min).multiplied(by: 1, dividedBy: -1) }
        }

        @Test("A zero denominator is an invalid argument")
        func zeroDenominator() {
            expectBillingError(.invalidArgument, field: "denominator") { try usd(100).multiplied(by: 1, dividedBy: 0) }
            expectBillingError(.invalidArgument) { try usd(0).multiplied(by: 0, dividedBy: 0, rounding: .up) }
        }
    }
}

// MARK: - Allocation

extension MoneyTests {
    @Suite("Allocation")
    struct Allocation {
        static let knownCases: [(Int64, [Int64], [Int64])] = [
            (100, [1, 1, 1], [34, 33, 33]),
            (5, [70, 30], [4, 1]),  // 3.5 and 1.5: tie goes to the earlier part
            (5, [30, 70], [2, 3]),
            (100, [1, 2, 3], [17, 33, 50]),
            (1000, [3, 3, 3, 1], [300, 300, 300, 100]),
            (11, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1], [2, 1, 1, 1, 1, 1, 1, 1, 1, 1]),
            (1, [0, 1, 1], [0, 1, 0]),
            (10, [0, 1, 0, 1], [0, 5, 0, 5]),
            (7, [0, 0, 3], [0, 0, 7]),
            (0, [1, 2], [0, 0]),
            (3, [2, 1, 0], [2, 1, 0]),
            (-100, [1, 1, 1], [-34, -33, -33]),
            (-5, [70, 30], [-4, -1]),
            (-100, [1, 2, 3], [-17, -33, -50]),
            (Int64.max, [1], [Int64.max]),
            (Int64.min, [1], [Int64.min]),
            (Int64.max, [1, 1, 1], [3_074_457_345_618_258_603, 3_074_457_345_618_258_602, 3_074_457_345_618_258_602]),
            (Int64.min, [1, 1, 1], [-3_074_457_345_618_258_603, -3_074_457_345_618_258_603, -3_074_457_345_618_258_602]),
            (Int64.min, [1, 1], [-4_611_686_018_427_387_904, -4_611_686_018_427_387_904]),
            (Int64.max, [Int64.max, 1], [9_223_372_036_854_775_806, 1]),
            (Int64.max, [Int64.max, Int64.max, 1], [4_611_686_018_427_387_903, 4_611_686_018_427_387_903, 1]),
            (Int64.min, [Int64.max, 1, Int64.max], [-4_611_686_018_427_387_904, 0, -4_611_686_018_427_387_904]),
        ]

        @Test("Known allocations", arguments: knownCases)
        func knownAllocations(amount: Int64, ratios: [Int64], expected: [Int64]) throws {
            let parts = try usd(amount).allocate(ratios)
            #expect(minorUnits(parts) == expected)
            #expect(parts.allSatisfy { $0.currency == .usd })
        }

        @Test("Split into equal parts")
        func split() throws {
            #expect(minorUnits(try usd(100).split(into: 3)) == [34, 33, 33])
            #expect(minorUnits(try usd(101).split(into: 3)) == [34, 34, 33])
            #expect(minorUnits(try usd(-101).split(into: 3)) == [-34, -34, -33])
            #expect(minorUnits(try usd(2).split(into: 5)) == [1, 1, 0, 0, 0])
            #expect(minorUnits(try usd(7).split(into: 1)) == [7])
            let yen = try Money(minorUnits: 1000, currency: .jpy).split(into: 7)
            #expect(minorUnits(yen) == [143, 143, 143, 143, 143, 143, 142])
            #expect(yen.allSatisfy { $0.currency == .jpy })
            #expect(try Money.sum(try usd(Int64.min).split(into: 7), currency: .usd) == usd(Int64.min))
        }

        @Test("Invalid ratios and part counts")
        func invalidArguments() {
            expectBillingError(.invalidArgument, field: "ratios") { try usd(100).allocate([]) }
            expectBillingError(.invalidArgument, field: "ratios") { try usd(100).allocate([1, -1, 2]) }
            expectBillingError(.invalidArgument, field: "ratios") { try usd(100).allocate([0, 0]) }
            expectBillingError(.invalidArgument, field: "ratios") { try usd(100).allocate([Int64.min]) }
            expectBillingError(.invalidArgument, field: "parts") { try usd(100).split(into: 0) }
            expectBillingError(.invalidArgument, field: "parts") { try usd(100).split(into: -3) }
        }

        @Test("Random allocations keep the sum, zero ratios and proportionality")
        func randomAllocations() throws {
            var generator = SplitMix64(seed: 0xB111_1265)
            let specialAmounts: [Int64] = [Int64.min, Int64.max, Int64.min + 1, 0, 1, -1]
            for iteration in 0..<2_000 {
                let amount: Int64
                switch iteration % 4 {
                case 0: amount = Int64.random(in: Int64.min...Int64.max, using: &generator)
                case 1: amount = Int64.random(in: -10_000...10_000, using: &generator)
                case 2: amount = specialAmounts[Int.random(in: 0..<specialAmounts.count, using: &generator)]
                default: amount = Int64.random(in: -100...100, using: &generator)
                }
                let count = Int.random(in: 1...12, using: &generator)
                let maximum: Int64 = iteration % 3 == 0 ? Int64.max : (iteration % 3 == 1 ? 1_000 : 3)
                var ratios = (0..<count).map { _ in
                    Bool.random(using: &generator) && count > 1 && iteration % 2 == 0
                        ? 0 : Int64.random(in: 0...maximum, using: &generator)
                }
                if ratios.allSatisfy({ $0 == 0 }) { ratios[0] = 1 }

                let parts = try usd(amount).allocate(ratios)
                #expect(parts.count == ratios.count)
                #expect(try Money.sum(parts, currency: .usd) == usd(amount), "amount \(amount) ratios \(ratios)")

                let total = ratios.reduce(UInt128(0)) { $0 + UInt128($1) }
                for (part, ratio) in zip(parts, ratios) {
                    if ratio == 0 { #expect(part.isZero) }
                    // Same sign as the amount, and within one minor unit of the exact share.
                    #expect(part.minorUnits == 0 || (part.minorUnits < 0) == (amount < 0))
                    let exact = UInt128(amount.magnitude) * UInt128(ratio)
                    let floorShare = exact / total
                    let magnitude = UInt128(part.minorUnits.magnitude)
                    #expect(magnitude == floorShare || magnitude == floorShare + 1, "amount \(amount) ratios \(ratios)")
                }
            }
        }
    }
}

// MARK: - Parsing and formatting

extension MoneyTests {
    @Suite("Parsing and formatting")
    struct ParsingAndFormatting {
        static let acceptedCases: [(String, Int64, CurrencyCode)] = [
            ("12.34 USD", 1234, .usd),
            ("-12.34 USD", -1234, .usd),
            ("12 USD", 1200, .usd),
            ("12.3 USD", 1230, .usd),
            ("0.05 USD", 5, .usd),
            ("-0.05 USD", -5, .usd),
            ("-0 USD", 0, .usd),
            ("007.50 EUR", 750, .eur),
            ("1234 JPY", 1234, .jpy),
            ("-1234 JPY", -1234, .jpy),
            ("0 KRW", 0, .krw),
            ("1.234 KWD", 1234, .kwd),
            ("1 KWD", 1000, .kwd),
            ("1.2 BHD", 1200, .bhd),
            ("-0.001 BHD", -1, .bhd),
            ("0.0001 CLF", 1, .clf),
            ("1.5 CLF", 15000, .clf),
            ("-27.1234 CLF", -271_234, .clf),
            ("12 XDR", 12, CurrencyCode.lookup("XDR")!),
            ("92233720368547758.07 USD", Int64.max, .usd),
            ("-92233720368547758.08 USD", Int64.min, .usd),
            ("9223372036854775807 JPY", Int64.max, .jpy),
            ("-9223372036854775808 JPY", Int64.min, .jpy),
            ("-922337203685477.5808 CLF", Int64.min, .clf),
        ]

        @Test("Parsing accepted forms", arguments: acceptedCases)
        func parsing(text: String, minorUnits: Int64, currency: CurrencyCode) throws {
            let money = try Money(parsing: text)
            #expect(money == Money(minorUnits: minorUnits, currency: currency))
        }

        static let formattingCases: [(Int64, CurrencyCode, String)] = [
            (1234, .usd, "12.34 USD"),
            (-5, .usd, "-0.05 USD"),
            (0, .usd, "0.00 USD"),
            (-1, .usd, "-0.01 USD"),
            (100, .usd, "1.00 USD"),
            (1234, .jpy, "1234 JPY"),
            (-1234, .jpy, "-1234 JPY"),
            (0, .jpy, "0 JPY"),
            (1000, .kwd, "1.000 KWD"),
            (1234, .kwd, "1.234 KWD"),
            (-1, .bhd, "-0.001 BHD"),
            (1, .clf, "0.0001 CLF"),
            (123_456, .uyw, "12.3456 UYW"),
            (Int64.max, .usd, "92233720368547758.07 USD"),
            (Int64.min, .usd, "-92233720368547758.08 USD"),
            (Int64.max, .jpy, "9223372036854775807 JPY"),
            (Int64.min, .kwd, "-9223372036854775.808 KWD"),
            (Int64.max, .clf, "922337203685477.5807 CLF"),
        ]

        @Test("Canonical formatting", arguments: formattingCases)
        func formatting(minorUnits: Int64, currency: CurrencyCode, expected: String) {
            let money = Money(minorUnits: minorUnits, currency: currency)
            #expect(money.description == expected)
            #expect("\(money)" == expected)
            #expect(money.formattedAmount == String(expected.split(separator: " ")[0]))
        }

        @Test("Round trip through description for every currency", arguments: CurrencyCode.allActive)
        func roundTrip(currency: CurrencyCode) throws {
            var generator = SplitMix64(seed: UInt64(currency.numericCode))
            var values: [Int64] = [Int64.min, Int64.min + 1, Int64.max, Int64.max - 1, 0, 1, -1, 9, 10, -10, 99, 100, 1001]
            for _ in 0..<50 {
                values.append(Int64.random(in: Int64.min...Int64.max, using: &generator))
                values.append(Int64.random(in: -100_000...100_000, using: &generator))
            }
            for value in values {
                let money = Money(minorUnits: value, currency: currency)
                #expect(try Money(parsing: money.description) == money, "\(money)")
                #expect(try Money(parsing: money.formattedAmount, currency: currency) == money, "\(money)")
            }
        }

        @Test(
            "Malformed text is a parse failure",
            arguments: [
                "12.345 USD",  // more decimals than USD has
                "1.2345 KWD",  // more decimals than KWD has
                "0.00001 CLF",  // more decimals than CLF has
                "12.5 JPY",  // JPY has no decimals
                "12.0 JPY",
                "12. JPY",
                "1.5 XDR",  // XDR is counted in whole units
                "1,234.00 USD",  // thousands separators
                "1'234.00 CHF",
                "1_234 USD",
                "+12.34 USD",  // plus sign
                "12.34",  // missing currency
                "12.34 ",
                "USD",
                " USD",  // missing amount
                "",
                " ",
                "- USD",
                "-",
                "12. USD",  // empty fraction
                ".5 USD",  // empty whole part
                "-.5 USD",
                "1e3 USD",  // exponents
                "1E3 USD",
                "1.2e1 USD",
                "12 34 USD",  // whitespace inside the number
                "12.34  USD",
                " 12.34 USD",
                "12.34 USD ",
                "12.34\tUSD",
                "12.34\u{00A0}USD",
                "1\u{2009}234 USD",
                "12.3.4 USD",
                "--1 USD",
                "1-2 USD",
                "12-",
                "\u{2212}12 USD",  // Unicode minus
                "１２ USD",  // full-width digits
                "0x10 USD",
                "NaN USD",
                "12.34 USD EUR",
            ]
        )
        func malformed(text: String) {
            expectBillingError(.parseFailure, field: "money") { try Money(parsing: text) }
        }

        @Test("Decimal-place errors explain the limit")
        func decimalPlaceMessages() {
            let tooMany = expectBillingError(.parseFailure) { try Money(parsing: "12.345 USD") }
            #expect(tooMany?.message.contains("at most 2 decimal places") == true)
            let yen = expectBillingError(.parseFailure) { try Money(parsing: "12.5 JPY") }
            #expect(yen?.message.contains("JPY") == true)
        }

        @Test("Unknown currencies", arguments: ["12.34 XYZ", "12.34 usd", "12.34 XAU", "12 US", "12.345 ABC"])
        func unknownCurrency(text: String) {
            expectBillingError(.unknownCurrency, field: "currency") { try Money(parsing: text) }
        }

        @Test(
            "Out-of-range amounts overflow",
            arguments: [
                "92233720368547758.08 USD",
                "-92233720368547758.09 USD",
                "9223372036854775808 JPY",
                "-9223372036854775809 JPY",
                "99999999999999999999999 JPY",
                "18446744073709551616 JPY",
                "92233720368547758.08 USD",
                "922337203685477.5808 CLF",
                "100000000000000000000.00 USD",
            ]
        )
        func outOfRange(text: String) {
            expectBillingError(.overflow, field: "money") { try Money(parsing: text) }
        }

        @Test("Parsing the amount alone")
        func amountAlone() throws {
            #expect(try Money(parsing: "12.34", currency: .usd) == usd(1234))
            #expect(try Money(parsing: "-7", currency: .jpy) == Money(minorUnits: -7, currency: .jpy))
            #expect(try Money(parsing: "0.5", currency: .kwd) == Money(minorUnits: 500, currency: .kwd))
            expectBillingError(.parseFailure, field: "money") { try Money(parsing: "12.345", currency: .usd) }
            expectBillingError(.parseFailure) { try Money(parsing: "12.34 USD", currency: .usd) }
            expectBillingError(.parseFailure) { try Money(parsing: "1 2", currency: .usd) }
            expectBillingError(.parseFailure) { try Money(parsing: "", currency: .usd) }
            expectBillingError(.parseFailure) { try Money(parsing: "1.5", currency: .jpy) }
            expectBillingError(.overflow) { try Money(parsing: "92233720368547758.08", currency: .usd) }
        }
    }
}

// MARK: - Codable

extension MoneyTests {
    @Suite("Codable")
    struct JSONCoding {
        private static func encode(_ value: some Encodable) throws -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        }

        @Test("JSON shape is exactly {\"currency\":\"USD\",\"minorUnits\":1234}")
        func jsonShape() throws {
            #expect(try Self.encode(usd(1234)) == #"{"currency":"USD","minorUnits":1234}"#)
            #expect(try Self.encode(Money(minorUnits: -5, currency: .jpy)) == #"{"currency":"JPY","minorUnits":-5}"#)
        }

        @Test("Round trip including the extremes", arguments: [Int64.min, -1, 0, 1, 1234, Int64.max])
        func roundTrip(minorUnits: Int64) throws {
            let money = Money(minorUnits: minorUnits, currency: .kwd)
            let data = try JSONEncoder().encode(money)
            #expect(try JSONDecoder().decode(Money.self, from: data) == money)
        }

        @Test("Decoding validates the currency and the fields")
        func decodingValidates() throws {
            let decoded = try JSONDecoder().decode(Money.self, from: Data(#"{"minorUnits":1234,"currency":"USD"}"#.utf8))
            #expect(decoded == usd(1234))
            for json in [
                #"{"currency":"usd","minorUnits":1}"#,
                #"{"currency":"XAU","minorUnits":1}"#,
                #"{"currency":"USD"}"#,
                #"{"minorUnits":1}"#,
                #"{"currency":"USD","minorUnits":1.5}"#,
                #"{"currency":"USD","minorUnits":"12"}"#,
                #"{"currency":"USD","minorUnits":9223372036854775808}"#,
            ] {
                #expect(throws: DecodingError.self, "\(json)") {
                    try JSONDecoder().decode(Money.self, from: Data(json.utf8))
                }
            }
        }
    }
}
