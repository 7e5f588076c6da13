import Foundation
import Testing

@testable import BillingCore

/// Money, currencies, rounding, allocation and parsing; nested suites below.
@Suite("Money")
struct MoneyTests {}

// MARK: - Helpers shared by the Money suites

/// Expects `body` to throw a ``BillingError`` with `code` (and `field`, when given) and returns it.
@discardableResult
func expectBillingError<T>(
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

func usd(_ minorUnits: Int64) -> Money { Money(minorUnits: minorUnits, currency: .usd) }

func minorUnits(_ amounts: [Money]) -> [Int64] { amounts.map(\.minorUnits) }
