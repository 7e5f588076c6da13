import Foundation
import Testing

@testable import BillingCore

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
