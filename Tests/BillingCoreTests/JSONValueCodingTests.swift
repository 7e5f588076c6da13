@testable import BillingCore
import Foundation
import Testing

/// The direct JSONValue coders against the Foundation path they replace
/// (``FoundationJSONReference``): same JSON, same decoded values.
@Suite("JSONValue coders match the Foundation path")
struct JSONValueCodingTests {
    @Test("Every built-in payload gives the same JSON and decodes to the same value", arguments: SamplePayloads.all.indices)
    func builtInPayload(index: Int) throws {
        try expectSameAsFoundation(SamplePayloads.all[index])
    }

    @Test("Payloads with optionals left out and edge-case contents")
    func sparseAndEdgePayloads() throws {
        for payload in EdgePayloads.all {
            try expectSameAsFoundation(payload, roundTrips: false)  // some dates carry sub-microsecond digits
        }
    }

    @Test("A value with every kind of field: integers, floats, Decimal, Data, URL, UUID, enums, dictionaries")
    func everyKindOfField() throws {
        for value in [EveryKind.sample, EveryKind.extremes] {
            let new = try CanonicalJSON.value(from: value)
            let old = try FoundationJSONReference.value(from: value)
            #expect(CanonicalJSON.string(FoundationJSONReference.encoderStyle(new)) == CanonicalJSON.string(old))
            let decodedNew = try CanonicalJSON.decode(EveryKind.self, from: old)
            let decodedOld = try FoundationJSONReference.decode(EveryKind.self, from: old)
            #expect(decodedNew == decodedOld)
            #expect(decodedNew == value)
        }
    }

    @Test("Doubles become what JSONEncoder's text parsed back to, but stay doubles", arguments: [
        5.0, 0.1, 1e-7, -0.0, 0.0, -1.5, 1e15, 1e16, 1e20, 1e300, -1e300, 123_456_789_012_345.0,
        9_007_199_254_740_992.0, 9_007_199_254_740_994.0, 18_014_398_509_481_988.0, 1_152_921_504_606_846_976.0,
        9_223_372_036_854_775_807.0, .greatestFiniteMagnitude, .leastNonzeroMagnitude, .leastNormalMagnitude, .pi,
    ])
    func double(_ number: Double) throws {
        try expectSameEncoding(number)
    }

    @Test("Random doubles and floats encode the same way")
    func randomNumbers() throws {
        var generator = SplitMix64(seed: 2026)
        for round in 0..<2000 {
            let bits = generator.next()
            var number = Double(bitPattern: bits)
            if round % 3 == 0 { number = number.rounded() }  // integral values take another path
            if round % 5 == 0 { number = Double(Int64(bitPattern: bits) >> (bits % 60)) }
            guard number.isFinite else { continue }
            try expectSameEncoding(number)
            let float = Float(bitPattern: UInt32(truncatingIfNeeded: bits))
            if float.isFinite { try expectSameEncoding(float) }
        }
    }

    @Test("Floats keep their own shortest form", arguments: [Float(0.1), 3, 1e-7, -0.0, 16_777_218, 1e20, .greatestFiniteMagnitude, .leastNonzeroMagnitude])
    func float(_ number: Float) throws {
        try expectSameEncoding(number)
    }

    @Test("Decimals encode and decode like JSONEncoder and JSONDecoder")
    func decimals() throws {
        for text in ["12.50", "100", "0.1", "-3.75", "0", "123456789012345678901234567890", "0.000001"] {
            try expectSameEncoding(try #require(Decimal(string: text)))
        }
    }

    /// Numbers read into every numeric type: the same value, or a failure in both.
    @Test("Numbers decode into every numeric type as JSONDecoder read them", arguments: NumberCases.values)
    func numberDecoding(_ value: JSONValue) {
        let paths: [(String, JSONValue)] = [("keyed", ["v": value]), ("unkeyed", [value]), ("single", value)]
        for (shape, wrapped) in paths {
            for reader in NumberCases.readers {
                let new = reader.read(wrapped, shape, .direct)
                let old = reader.read(wrapped, shape, .foundation)
                #expect(new == old, "\(reader.name) from \(value) (\(shape))")
            }
        }
    }

    @Test("Decoding a JSONValue returns the node as it is; encoding one inserts it as it is")
    func jsonValueAsIs() throws {
        let node: JSONValue = ["integral": .double(5.0), "negativeZero": .double(-0.0), "list": [1, "a", nil, true, 2.5]]
        let decoded = try CanonicalJSON.decode(JSONValue.self, from: node)
        #expect(CanonicalJSON.string(decoded) == CanonicalJSON.string(node))
        let decodedInside = try CanonicalJSON.decode([String: JSONValue].self, from: ["x": node])
        #expect(decodedInside["x"].map(CanonicalJSON.string) == CanonicalJSON.string(node))
        #expect(CanonicalJSON.string(try CanonicalJSON.value(from: node)) == CanonicalJSON.string(node))
        #expect(try CanonicalJSON.value(from: ["x": node]) == ["x": node])
        // The Foundation path turned the integral double into an integer on the way.
        #expect(try FoundationJSONReference.value(from: node)["integral"] == .int(5))
    }

    // MARK: - Helpers

    private func expectSameAsFoundation<P: BillingEventPayload>(
        _ payload: P, roundTrips: Bool = true, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let new = try CanonicalJSON.value(from: payload)
        let old = try FoundationJSONReference.value(from: payload)
        #expect(CanonicalJSON.string(FoundationJSONReference.encoderStyle(new)) == CanonicalJSON.string(old), "\(P.self)", sourceLocation: sourceLocation)
        let decodedNew = try CanonicalJSON.decode(P.self, from: old)
        let decodedOld = try FoundationJSONReference.decode(P.self, from: old)
        let decoded = try #require(Self.hashable(decodedNew))
        #expect(decoded == Self.hashable(decodedOld), "\(P.self)", sourceLocation: sourceLocation)
        if roundTrips {
            #expect(decoded == Self.hashable(payload), "\(P.self)", sourceLocation: sourceLocation)
        }
    }

    /// Every built-in payload is Hashable, though the protocol does not say so.
    private static func hashable(_ value: Any) -> AnyHashable? {
        (value as? any Hashable).map { AnyHashable($0) }
    }

    /// `number` alone, in an object and in an array gives the same JSON both ways, and reads back the same.
    private func expectSameEncoding<N: Codable & Equatable>(_ number: N, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for (new, old) in [
            (try CanonicalJSON.value(from: number), try FoundationJSONReference.value(from: number)),
            (try CanonicalJSON.value(from: ["v": number]), try FoundationJSONReference.value(from: ["v": number])),
            (try CanonicalJSON.value(from: [number]), try FoundationJSONReference.value(from: [number])),
        ] {
            let floats = N.self == Float.self
            #expect(CanonicalJSON.string(FoundationJSONReference.encoderStyle(new, floats: floats)) == CanonicalJSON.string(old), "\(number)", sourceLocation: sourceLocation)
            let decodedNew = String(describing: FoundationJSONReference.encoderStyle(try CanonicalJSON.decode(JSONValue.self, from: new), floats: floats))
            #expect(decodedNew == String(describing: old), sourceLocation: sourceLocation)
        }
        let value = try CanonicalJSON.value(from: number)
        let backNew = try CanonicalJSON.decode(N.self, from: value)
        let backOld = try FoundationJSONReference.decode(N.self, from: value)
        #expect(String(describing: backNew) == String(describing: backOld), "\(number)", sourceLocation: sourceLocation)
    }
}

/// The numbers and the numeric types for ``JSONValueCodingTests/numberDecoding(_:)``.
enum NumberCases {
    static let values: [JSONValue] = [
        .int(0), .int(-1), .int(127), .int(128), .int(-129), .int(255), .int(300), .int(65_536), .int(4_294_967_296),
        .int(9_007_199_254_740_993), .int(.max), .int(.min),
        .double(5.0), .double(-0.0), .double(1.5), .double(-128.0), .double(255.0), .double(1e3), .double(1e20),
        .double(1.152921504606847e18), .double(9.3e18), .double(1.5e19), .double(1e-7), .double(1e-50), .double(1e-45),
        .double(3.5e38), .double(3.4028235677973366e38), .double(0.1), .double(1e300), .double(.leastNonzeroMagnitude),
        .string("12"), .bool(true), .null, .array([]), .object([:]),
    ]

    struct Reader: Sendable {
        let name: String
        let read: @Sendable (JSONValue, String, CodingPath) -> String
    }

    /// The coders under test and the reference.
    enum CodingPath: Sendable {
        case direct, foundation

        func decode<T: Decodable>(_: T.Type, from value: JSONValue) throws -> T {
            switch self {
            case .direct: return try CanonicalJSON.decode(T.self, from: value)
            case .foundation: return try FoundationJSONReference.decode(T.self, from: value)
            }
        }
    }

    static let readers: [Reader] = [
        reader(Int8.self), reader(Int16.self), reader(Int32.self), reader(Int64.self), reader(Int.self), reader(Int128.self),
        reader(UInt8.self), reader(UInt16.self), reader(UInt32.self), reader(UInt64.self), reader(UInt.self), reader(UInt128.self),
        reader(Float.self), reader(Double.self), reader(Decimal.self), reader(Bool.self), reader(String.self),
    ]

    private static func reader<T: Decodable & Sendable>(_: T.Type) -> Reader {
        Reader(name: "\(T.self)") { value, shape, coders in
            do {
                let result: Any
                switch shape {
                case "keyed": result = try coders.decode(Box<T>.self, from: value).v
                case "unkeyed": result = try coders.decode([T].self, from: value)[0]
                default: result = try coders.decode(T.self, from: value)
                }
                return "value \(result)"
            } catch {
                return "failure " + decodingErrorKind(error)
            }
        }
    }
}

/// One value under the key `v`.
struct Box<Value> {
    var v: Value
}

extension Box: Encodable where Value: Encodable {}
extension Box: Decodable where Value: Decodable {}

/// The case of the DecodingError or EncodingError under a BillingError, for comparing failures.
func decodingErrorKind(_ error: any Error) -> String {
    let cause = (error as? BillingError)?.underlying ?? error
    switch cause {
    case DecodingError.typeMismatch: return "typeMismatch"
    case DecodingError.valueNotFound: return "valueNotFound"
    case DecodingError.keyNotFound: return "keyNotFound"
    case DecodingError.dataCorrupted: return "dataCorrupted"
    case EncodingError.invalidValue: return "invalidValue"
    default: return "other: \(type(of: cause))"
    }
}
