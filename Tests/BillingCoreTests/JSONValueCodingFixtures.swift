import BillingCore
import Foundation

/// Built-in payloads at their edges: optionals left out, extreme amounts and dates, awkward text.
enum EdgePayloads {
    static let usd = CurrencyCode.usd
    static let oddText = "quote \" backslash \\ slash / tab \t nul \u{0} bell \u{7} é 😀 \u{2028}"
    static let bareUser = UserSnapshot(id: "")
    static let extremeDates = [
        Date(timeIntervalSince1970: -62_135_596_800),  // 0001-01-01
        Date(timeIntervalSince1970: -1.5),
        Date(timeIntervalSince1970: 1.000_000_4),  // rounds down to the microsecond
        Date(timeIntervalSince1970: 1.000_000_6),  // rounds up
        Date(timeIntervalSince1970: 253_402_300_799),  // 9999-12-31T23:59:59
    ]

    static var all: [any BillingEventPayload] {
        var payloads: [any BillingEventPayload] = [
            UserCreated(user: bareUser),
            UserUpdated(user: UserSnapshot(id: oddText, email: oddText, name: oddText), changedFields: []),
            UserDeleted(userId: "u"),
            BalanceCreated(balance: BalanceSnapshot(id: "b", userId: "u", amount: Money(minorUnits: .max, currency: .kwd))),
            BalanceUpdated(balance: BalanceSnapshot(id: "b", userId: "u", amount: Money(minorUnits: .min, currency: .jpy))),
            BalanceDebited(balance: BalanceSnapshot(id: "b", userId: "u", amount: .zero(usd)), amount: .zero(usd)),
            TransactionCancelled(transaction: TransactionSnapshot(id: "t", userId: "u", kind: "k", amount: .zero(.eur), status: "s")),
            TransactionFailed(transaction: TransactionSnapshot(id: "t", userId: "u", kind: "k", amount: .zero(.eur), status: "s"), reason: ""),
            CurrencyUpdated(currency: CurrencySnapshot(code: "", name: oddText, minorUnitExponent: .min, isActive: false)),
            CurrencyCreated(currency: CurrencySnapshot(code: "X", name: "x", minorUnitExponent: .max, isActive: true)),
            InvoiceGenerated(invoice: InvoiceSnapshot(id: "i", userId: "u", status: "draft", subtotal: .zero(usd), tax: .zero(usd), total: .zero(usd))),
            InvoiceOverdue(invoice: InvoiceSnapshot(id: "i", userId: "u", status: "overdue", subtotal: .zero(usd), tax: .zero(usd), total: .zero(usd)), daysOverdue: -1),
            PaymentInitiated(payment: PaymentSnapshot(id: "p", userId: "u", amount: Money(minorUnits: -5, currency: .chf), status: "pending")),
            PaymentFailed(payment: PaymentSnapshot(id: "p", userId: "u", amount: .zero(usd), status: "failed"), failureMessage: oddText),
            PaymentRefunded(payment: PaymentSnapshot(id: "p", userId: "u", amount: .zero(usd), status: "refunded"), refundId: "r", refundedAmount: .zero(usd)),
        ]
        for date in extremeDates {
            payloads.append(UserDeleted(userId: "u", deletedAt: date))
            payloads.append(UserCreated(user: UserSnapshot(id: "u", createdAt: date)))
        }
        return payloads
    }
}

/// A value with a field of every kind the coders treat specially.
struct EveryKind: Codable, Hashable {
    enum Choice: Codable, Hashable {
        case nothing
        case amount(Money)
        case pair(Int, label: String?)
    }

    var int8: Int8
    var int16: Int16
    var int32: Int32
    var int64: Int64
    var int: Int
    var uint8: UInt8
    var uint16: UInt16
    var uint32: UInt32
    var uint: UInt
    var uint64: UInt64
    var double: Double
    var float: Float
    var flag: Bool
    var decimal: Decimal
    var data: Data
    var url: URL
    var uuid: UUID
    var date: Date
    var missing: String?
    var nested: [[Int?]]
    var byName: [String: Double]
    var byNumber: [Int: String]
    var choices: [Choice]
    var amounts: [Money]
    var json: JSONValue

    static let sample = EveryKind(
        int8: -8, int16: 16, int32: -32, int64: 64, int: -1, uint8: 8, uint16: 16, uint32: 32, uint: 7, uint64: 64,
        double: 2.5, float: 0.1, flag: true, decimal: Decimal(string: "12.34")!, data: Data([0, 1, 2, 250, 255]),
        url: URL(string: "https://example.com/a%20b?q=1#f")!, uuid: UUID(uuidString: "E621E1F8-C36C-495A-93FC-0C247A3E6E5F")!,
        date: Timestamp.normalize(Date(timeIntervalSince1970: 1_790_000_000.123456)), missing: nil, nested: [[1, nil], [], [3]],
        byName: ["a": 1, "b": -0.5], byNumber: [1: "one", -2: "minus two"],
        choices: [.nothing, .amount(Money(minorUnits: 5, currency: .usd)), .pair(3, label: nil), .pair(4, label: "x")],
        amounts: [Money(minorUnits: 1, currency: .gbp)], json: ["text": "t", "list": [1, nil, true, 2.5], "empty": [:]]
    )

    static let extremes = EveryKind(
        int8: .min, int16: .min, int32: .min, int64: .min, int: .max, uint8: .max, uint16: .max, uint32: .max, uint: 0, uint64: 0,
        double: -1e300, float: .greatestFiniteMagnitude, flag: false, decimal: Decimal(string: "-0.000001")!, data: Data(),
        url: URL(string: "urn:isbn:0451450523")!, uuid: UUID(uuidString: "00000000-0000-0000-0000-000000000000")!,
        date: Date(timeIntervalSince1970: 0), missing: "present", nested: [], byName: [:], byNumber: [:], choices: [], amounts: [],
        json: nil
    )
}
