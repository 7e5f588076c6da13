@testable import BillingCore
import Foundation
import Testing

/// JSON values are equal exactly when their canonical bytes are: strings and keys by
/// Unicode scalars, doubles as doubles.
@Suite("JSON equality is byte equality")
struct JSONBytesEqualityTests {
    static let composed = "\u{E9}"  // é, one scalar
    static let decomposed = "e\u{301}"  // e + combining acute: canonically equivalent in Swift

    @Test("Canonically equivalent strings are different values, with different bytes and hashes")
    func strings() {
        #expect(Self.composed == Self.decomposed, "Swift's String equality, the trap")
        let (left, right) = (JSONValue.string(Self.composed), JSONValue.string(Self.decomposed))
        #expect(left != right)
        #expect(CanonicalJSON.encode(left) != CanonicalJSON.encode(right))
        #expect(Set([left, right]).count == 2)
        #expect(JSONValue.array([left]) != .array([right]))
        #expect(JSONValue.object(["k": left]) != .object(["k": right]))
    }

    @Test("An object with keys that differ only by normalization keeps both")
    func distinctKeys() throws {
        let parsed = try CanonicalJSON.decode(#"{"\u00e9":1,"e\u0301":2}"#)
        let object = try #require(parsed.objectValue)
        #expect(object.count == 2)
        #expect(object[Self.composed] == 1)
        #expect(object[Self.decomposed] == 2)
        // Canonical order is by bytes: "e" (0x65) sorts before "é" (0xC3 0xA9).
        #expect(CanonicalJSON.string(parsed) == "{\"\(Self.decomposed)\":2,\"\(Self.composed)\":1}")
        #expect(try CanonicalJSON.decode(CanonicalJSON.encode(parsed)) == parsed)
        #expect(parsed != .object([Self.composed: 1, Self.decomposed: 1]))
        // The same key twice, byte for byte, is still a duplicate.
        #expect(throws: BillingError.self) { try CanonicalJSON.decode(#"{"\u00e9":1,"\u00e9":2}"#) }
        #expect(throws: BillingError.self) { try CanonicalJSON.decode(#"{"b":1,"a":2,"b":3}"#) }
    }

    @Test("Keys sort by bytes (scalars), not UTF-16 code units, and unsorted input is sorted")
    func keyOrder() throws {
        let parsed = try CanonicalJSON.decode("{\"\u{1F600}\":1,\"\u{FF61}\":2,\"b\":3,\"a\":4}")
        #expect(parsed.objectValue?.keys == ["a", "b", "\u{FF61}", "\u{1F600}"])
        #expect(CanonicalJSON.string(parsed) == "{\"a\":4,\"b\":3,\"\u{FF61}\":2,\"\u{1F600}\":1}")
    }

    private struct Measures: Codable, Equatable {
        let ratio: Double
        let zero: Double
        let negativeZero: Double
        let small: Float
    }

    @Test("The Codable path keeps doubles as doubles: 1.0 stays 1.0 and -0.0 stays -0.0")
    func doublesStayDoubles() throws {
        let value = try CanonicalJSON.value(from: Measures(ratio: 1.0, zero: 0, negativeZero: -0.0, small: 2))
        #expect(value == ["ratio": .double(1.0), "zero": .double(0.0), "negativeZero": .double(-0.0), "small": .double(2.0)])
        #expect(value["negativeZero"] != .double(0.0))
        #expect(value["ratio"] != .int(1))
        #expect(CanonicalJSON.string(value) == #"{"negativeZero":-0.0,"ratio":1.0,"small":2.0,"zero":0.0}"#)
        let reparsed = try CanonicalJSON.decode(CanonicalJSON.encode(value))
        #expect(reparsed == value)
        #expect(reparsed["negativeZero"]?.doubleBits == (-0.0 as Double).bitPattern)
        #expect(try CanonicalJSON.decode(Measures.self, from: reparsed) == Measures(ratio: 1, zero: 0, negativeZero: -0.0, small: 2))
    }

    @Test("Events that differ only by normalization in payload or metadata are different events")
    func events() throws {
        let type = try BillingEventType("ledger.noted")
        let id = EventID.generate()
        let date = Date(timeIntervalSince1970: 1_780_000_000)
        func event(payload: String, metadataKey: String) -> BillingEvent {
            BillingEvent(id: id, type: type, payload: ["name": .string(payload)], timestamp: date, metadata: [metadataKey: 1])
        }
        let base = event(payload: Self.composed, metadataKey: Self.composed)
        #expect(base == event(payload: Self.composed, metadataKey: Self.composed))
        #expect(base != event(payload: Self.decomposed, metadataKey: Self.composed))
        #expect(base != event(payload: Self.composed, metadataKey: Self.decomposed))
        #expect(base.canonicalJSON != event(payload: Self.composed, metadataKey: Self.decomposed).canonicalJSON)
    }
}

extension JSONValue {
    fileprivate var doubleBits: UInt64? {
        if case .double(let number) = self { return number.bitPattern }
        return nil
    }
}
