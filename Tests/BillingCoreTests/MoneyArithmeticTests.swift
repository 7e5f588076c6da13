import Foundation
import Testing

@testable import BillingCore

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
