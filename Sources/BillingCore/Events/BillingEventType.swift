/// The name of an event, such as `invoice.paid`.
///
/// An extensible, string-backed struct rather than a closed enum, so hosts and
/// plugins add their own types (`subscription.renewed`) without forking the SDK.
/// Names are lowercase, dotted `noun.verb`: two or more segments, each starting
/// with a letter and made of `a-z`, `0-9` and `_`, at most 128 characters in all.
public struct BillingEventType: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    /// The dotted name.
    public let rawValue: String

    /// The longest accepted name.
    public static let maxLength = 128

    /// Creates a type after validating its name.
    /// - Throws: ``BillingError`` coded `invalid.argument` naming the field `type`.
    public init(_ rawValue: String) throws {
        try Self.validate(rawValue)
        self.rawValue = rawValue
    }

    /// Creates one of the library's own constants; the name is known to be valid.
    private init(known rawValue: String) {
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    /// The first segment (`invoice` for `invoice.paid`).
    public var noun: Substring {
        rawValue.prefix { $0 != "." }
    }

    public static func < (lhs: BillingEventType, rhs: BillingEventType) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "Invalid event type name")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    static func validate(_ name: String) throws {
        guard !name.isEmpty, name.utf8.count <= maxLength else {
            throw BillingError.invalid("type", "Event type must be 1 to \(maxLength) characters")
        }
        var segments = 0
        var atSegmentStart = true
        for byte in name.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"):
                if atSegmentStart { segments += 1 }
                atSegmentStart = false
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
                guard !atSegmentStart else {
                    throw BillingError.invalid("type", "Each segment of an event type must start with a lowercase letter")
                }
            case UInt8(ascii: "."):
                guard !atSegmentStart else {
                    throw BillingError.invalid("type", "Event type has an empty segment")
                }
                atSegmentStart = true
            default:
                throw BillingError.invalid("type", "Event type may contain only a-z, 0-9, '_' and '.'")
            }
        }
        guard !atSegmentStart, segments >= 2 else {
            throw BillingError.invalid("type", "Event type must be dotted 'noun.verb', for example 'invoice.paid'")
        }
    }
}

// The specification's 22 types.
extension BillingEventType {
    public static let userCreated = BillingEventType(known: "user.created")
    public static let userUpdated = BillingEventType(known: "user.updated")
    public static let userDeleted = BillingEventType(known: "user.deleted")

    public static let balanceCreated = BillingEventType(known: "balance.created")
    public static let balanceUpdated = BillingEventType(known: "balance.updated")
    public static let balanceCredited = BillingEventType(known: "balance.credited")
    public static let balanceDebited = BillingEventType(known: "balance.debited")

    public static let transactionCreated = BillingEventType(known: "transaction.created")
    public static let transactionCompleted = BillingEventType(known: "transaction.completed")
    public static let transactionFailed = BillingEventType(known: "transaction.failed")
    public static let transactionCancelled = BillingEventType(known: "transaction.cancelled")

    public static let currencyCreated = BillingEventType(known: "currency.created")
    public static let currencyUpdated = BillingEventType(known: "currency.updated")
    public static let currencyActivated = BillingEventType(known: "currency.activated")
    public static let currencyDeactivated = BillingEventType(known: "currency.deactivated")

    public static let invoiceGenerated = BillingEventType(known: "invoice.generated")
    public static let invoicePaid = BillingEventType(known: "invoice.paid")
    public static let invoiceOverdue = BillingEventType(known: "invoice.overdue")

    public static let paymentInitiated = BillingEventType(known: "payment.initiated")
    public static let paymentCompleted = BillingEventType(known: "payment.completed")
    public static let paymentFailed = BillingEventType(known: "payment.failed")
    public static let paymentRefunded = BillingEventType(known: "payment.refunded")

    /// The specification's 22 built-in types, in its order.
    public static let builtIn: [BillingEventType] = [
        .userCreated, .userUpdated, .userDeleted,
        .balanceCreated, .balanceUpdated, .balanceCredited, .balanceDebited,
        .transactionCreated, .transactionCompleted, .transactionFailed, .transactionCancelled,
        .currencyCreated, .currencyUpdated, .currencyActivated, .currencyDeactivated,
        .invoiceGenerated, .invoicePaid, .invoiceOverdue,
        .paymentInitiated, .paymentCompleted, .paymentFailed, .paymentRefunded,
    ]
}
