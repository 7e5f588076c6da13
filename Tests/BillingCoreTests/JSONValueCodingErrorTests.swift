@testable import BillingCore
import Foundation
import Testing

/// Failures of the direct JSONValue coders: the same kind of error at the same coding
/// path as the Foundation path, wrapped in `payload.mismatch`, never echoing the value.
@Suite("JSONValue coders: errors")
struct JSONValueCodingErrorTests {
    private static let paymentCompleted = try! CanonicalJSON.value(from: SamplePayloads.all[19])
    private static let invoiceGenerated = try! CanonicalJSON.value(from: SamplePayloads.all[15])

    @Test("A wrong type is typeMismatch at the field's path")
    func wrongType() throws {
        let payload = Self.paymentCompleted.setting(["payment", "amount", "minorUnits"], to: "2380")
        let failure = try expectSameFailure(PaymentCompleted.self, from: payload)
        #expect(failure.kind == "typeMismatch")
        #expect(failure.path == "payment.amount.minorUnits")
    }

    @Test("A missing field is keyNotFound, with the container's path")
    func missingKey() throws {
        let payload = Self.paymentCompleted.setting(["payment", "status"], to: nil)
        let failure = try expectSameFailure(PaymentCompleted.self, from: payload)
        #expect(failure.kind == "keyNotFound")
        #expect(failure.path == "payment")
        guard case DecodingError.keyNotFound(let key, _)? = failure.error.underlying as? DecodingError else {
            Issue.record("not keyNotFound: \(failure.error)")
            return
        }
        #expect(key.stringValue == "status")
    }

    @Test("Null for a required field is valueNotFound; null for an optional one is nil")
    func nulls() throws {
        let required = Self.paymentCompleted.setting(["payment", "status"], to: .null)
        let failure = try expectSameFailure(PaymentCompleted.self, from: required)
        #expect(failure.kind == "valueNotFound")
        #expect(failure.path == "payment.status")

        let optional = Self.paymentCompleted.setting(["payment", "invoiceId"], to: .null)
        let decoded = try CanonicalJSON.decode(PaymentCompleted.self, from: optional)
        #expect(decoded.payment.invoiceId == nil)
        #expect(decoded == (try FoundationJSONReference.decode(PaymentCompleted.self, from: optional)))
    }

    @Test("An unknown currency deep in an array fails at its full path, without the code in the message")
    func unknownCurrency() throws {
        let payload = Self.invoiceGenerated.setting(["invoice", "lineItems", "0", "unitPrice", "currency"], to: "XYZ")
        let failure = try expectSameFailure(InvoiceGenerated.self, from: payload)
        #expect(failure.kind == "dataCorrupted")
        #expect(failure.path == "invoice.lineItems[0].unitPrice.currency")
    }

    @Test("A date that is not a timestamp fails as the Foundation path failed")
    func notATimestamp() throws {
        let text = Self.paymentCompleted.setting(["payment", "createdAt"], to: "yesterday")
        let failure = try expectSameFailure(PaymentCompleted.self, from: text)
        #expect(failure.kind == "dataCorrupted")
        #expect(failure.path == "payment.createdAt")
        guard case DecodingError.dataCorrupted(let context)? = failure.error.underlying as? DecodingError else { return }
        #expect(context.debugDescription == "Not an ISO 8601 timestamp")

        let number = Self.paymentCompleted.setting(["payment", "createdAt"], to: 1_790_000_000)
        let numberFailure = try expectSameFailure(PaymentCompleted.self, from: number)
        #expect(numberFailure.kind == "typeMismatch")
    }

    @Test("An integer out of range is an error, never a wrapped or truncated value", arguments: [
        (JSONValue.int(300), "Int8"), (.int(-1), "UInt64"), (.double(9.3e18), "Int64"), (.double(1.5), "Int"), (.int(-129), "Int8"),
    ])
    func integerOutOfRange(value: JSONValue, type: String) throws {
        let object: JSONValue = ["v": value]
        let error: BillingError
        switch type {
        case "Int8": error = try #require(throws: BillingError.self) { try CanonicalJSON.decode(Box<Int8>.self, from: object) }
        case "UInt64": error = try #require(throws: BillingError.self) { try CanonicalJSON.decode(Box<UInt64>.self, from: object) }
        case "Int64": error = try #require(throws: BillingError.self) { try CanonicalJSON.decode(Box<Int64>.self, from: object) }
        default: error = try #require(throws: BillingError.self) { try CanonicalJSON.decode(Box<Int>.self, from: object) }
        }
        #expect(error.code == .payloadMismatch)
        #expect(decodingErrorKind(error) == "dataCorrupted")
        #expect(Self.codingPath(of: error) == "v")
        #expect(!"\(error)".contains(value.description), "the value is not echoed")
        #expect(!error.message.contains(value.description))
    }

    @Test("NaN and infinities cannot be encoded", arguments: [Double.nan, .infinity, -.infinity])
    func nonFinite(number: Double) throws {
        for attempt in [
            { try CanonicalJSON.value(from: Box(v: number)) },
            { try CanonicalJSON.value(from: [Float(number)]) },
            { try CanonicalJSON.value(from: number) },
        ] {
            let error = try #require(throws: BillingError.self) { try attempt() }
            #expect(error.code == .payloadMismatch)
            #expect(decodingErrorKind(error) == "invalidValue")
        }
        let error = try #require(throws: BillingError.self) { try CanonicalJSON.value(from: Box(v: number)) }
        guard case EncodingError.invalidValue(_, let context)? = error.underlying as? EncodingError else { return }
        #expect(context.codingPath.fieldPath == "v")
        let old = try #require(throws: BillingError.self) { try FoundationJSONReference.value(from: Box(v: number)) }
        #expect(old.code == error.code)
    }

    /// The Foundation path stored these as rounded doubles; the direct encoder refuses them.
    @Test("Integers beyond 64 bits and Decimal NaN are refused")
    func unrepresentable() throws {
        #expect(try FoundationJSONReference.value(from: Box(v: UInt64.max))["v"] == .double(0x1p64))
        for attempt in [
            { try CanonicalJSON.value(from: Box(v: UInt64.max)) },
            { try CanonicalJSON.value(from: [UInt(Int64.max) + 1]) },
            { try CanonicalJSON.value(from: Int128.max) },
            { try CanonicalJSON.value(from: Box(v: UInt128(1) << 64)) },
            { try CanonicalJSON.value(from: Box(v: Decimal.nan)) },
        ] {
            let error = try #require(throws: BillingError.self) { try attempt() }
            #expect(error.code == .payloadMismatch)
            #expect(decodingErrorKind(error) == "invalidValue")
        }
        #expect(try CanonicalJSON.value(from: Box(v: UInt64(Int64.max))) == ["v": .int(.max)])
        #expect(try CanonicalJSON.value(from: [Int128(Int64.min)]) == [.int(.min)])
    }

    @Test("A value that encodes nothing: an error at the top, {} inside")
    func encodesNothing() throws {
        let error = try #require(throws: BillingError.self) { try CanonicalJSON.value(from: Nothing()) }
        #expect(decodingErrorKind(error) == "invalidValue")
        #expect(try CanonicalJSON.value(from: Box(v: Nothing())) == ["v": [:]])
        #expect(try FoundationJSONReference.value(from: Box(v: Nothing())) == ["v": [:]])
    }

    @Test("Two kinds of container for one value is an error, where JSONEncoder would trap")
    func containerMisuse() throws {
        let error = try #require(throws: BillingError.self) { try CanonicalJSON.value(from: Box(v: Misused())) }
        #expect(error.code == .payloadMismatch)
        guard case EncodingError.invalidValue(_, let context)? = error.underlying as? EncodingError else {
            Issue.record("not invalidValue: \(error)")
            return
        }
        #expect(context.codingPath.fieldPath == "v")
    }

    // MARK: - Helpers

    private struct Failure {
        let error: BillingError
        let kind: String
        let path: String
    }

    /// Decodes with both paths, expects both to fail alike, and returns the direct path's failure.
    private func expectSameFailure<T: Decodable>(
        _: T.Type, from value: JSONValue, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Failure {
        let new = try #require(throws: BillingError.self, sourceLocation: sourceLocation) { try CanonicalJSON.decode(T.self, from: value) }
        let old = try #require(throws: BillingError.self, sourceLocation: sourceLocation) { try FoundationJSONReference.decode(T.self, from: value) }
        #expect(new.code == .payloadMismatch, sourceLocation: sourceLocation)
        #expect(new.message == old.message, sourceLocation: sourceLocation)
        #expect(decodingErrorKind(new) == decodingErrorKind(old), sourceLocation: sourceLocation)
        #expect(Self.codingPath(of: new) == Self.codingPath(of: old), sourceLocation: sourceLocation)
        return Failure(error: new, kind: decodingErrorKind(new), path: Self.codingPath(of: new) ?? "")
    }

    static func codingPath(of error: BillingError) -> String? {
        switch error.underlying as? DecodingError {
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?, .keyNotFound(_, let context)?, .dataCorrupted(let context)?:
            return context.codingPath.fieldPath
        default:
            return nil
        }
    }
}

/// Encodes nothing at all.
private struct Nothing: Encodable {
    func encode(to _: any Encoder) throws {}
}

/// Asks for a keyed container, then encodes a single value at the same level.
private struct Misused: Encodable {
    enum Keys: CodingKey { case a }

    func encode(to encoder: any Encoder) throws {
        var keyed = encoder.container(keyedBy: Keys.self)
        try keyed.encode(1, forKey: .a)
        var single = encoder.singleValueContainer()
        try single.encode(2)
    }
}

extension JSONValue {
    /// A copy with the member or element at `path` replaced, or removed when `replacement` is nil.
    func setting(_ path: ArraySlice<String>, to replacement: JSONValue?) -> JSONValue {
        guard let first = path.first else { return replacement ?? .null }
        switch self {
        case .object(var members):
            if path.count == 1, replacement == nil {
                members.removeValue(forKey: first)
            } else {
                members[first] = (members[first] ?? .null).setting(path.dropFirst(), to: replacement)
            }
            return .object(members)
        case .array(var elements):
            let index = Int(first)!
            elements[index] = elements[index].setting(path.dropFirst(), to: replacement)
            return .array(elements)
        default:
            return self
        }
    }

    func setting(_ path: [String], to replacement: JSONValue?) -> JSONValue {
        setting(path[...], to: replacement)
    }
}
