import Foundation
import Testing

@testable import BillingCore

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
