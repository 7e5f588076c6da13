import Foundation
import Testing

@testable import BillingCore

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
