@testable import BillingCore
import Foundation
import Testing

/// Nested containers, super encoders and decoders, and coding paths: the direct coders
/// against the Foundation path.
@Suite("JSONValue coders: containers and coding paths")
struct JSONValueCodingContainerTests {
    @Test("Nested keyed and unkeyed containers, nils and super encoders give the same JSON and values")
    func nestedContainers() throws {
        let value = HandWritten(count: 3, list: ["a", nil, "c"], inner: ["x": 1, "y": -2], tail: true, base: 9)
        let new = try CanonicalJSON.value(from: value)
        let old = try FoundationJSONReference.value(from: value)
        #expect(CanonicalJSON.string(new) == CanonicalJSON.string(old))
        let decodedNew = try CanonicalJSON.decode(HandWritten.self, from: old)
        let decodedOld = try FoundationJSONReference.decode(HandWritten.self, from: old)
        #expect(decodedNew == decodedOld)
        #expect(decodedNew == value)
        #expect(decodedNew.probes == ["extraIsNil", "listCount 6", "atEnd", "endNilThrows", "endDecodeThrows", "tail true"])
    }

    @Test("A subclass encodes its superclass through superEncoder and reads it back through superDecoder")
    func superclass() throws {
        let dog = Dog(name: "Rex", breed: "collie")
        let new = try CanonicalJSON.value(from: dog)
        let old = try FoundationJSONReference.value(from: dog)
        #expect(CanonicalJSON.string(new) == CanonicalJSON.string(old))
        #expect(new == ["breed": "collie", "super": ["name": "Rex"]])
        let decoded = try CanonicalJSON.decode(Dog.self, from: new)
        #expect(decoded.name == "Rex" && decoded.breed == "collie")
        // Without the member, the super decoder reads null, as JSONDecoder's does.
        let error = try #require(throws: BillingError.self) { try CanonicalJSON.decode(Dog.self, from: ["breed": "collie"]) }
        #expect(decodingErrorKind(error) == "valueNotFound")
        #expect(JSONValueCodingErrorTests.codingPath(of: error) == "super")
    }

    @Test("Coding paths seen while encoding and decoding match JSONEncoder's and JSONDecoder's")
    func codingPaths() throws {
        let tree = PathTree(
            leaf: PathEcho(), list: [PathEcho(), PathEcho()], byName: ["k": [PathEcho()]], optional: PathEcho(), wrapped: Box(v: PathEcho())
        )
        let new = try CanonicalJSON.value(from: tree)
        let old = try FoundationJSONReference.value(from: tree)
        #expect(CanonicalJSON.string(new) == CanonicalJSON.string(old))
        #expect(new["list"]?.arrayValue?[1] == "list/Index 1")
        let decodedNew = try CanonicalJSON.decode(PathTree.self, from: new)
        let decodedOld = try FoundationJSONReference.decode(PathTree.self, from: new)
        #expect(decodedNew == decodedOld)
        #expect(decodedNew.byName["k"]?.first?.path == "byName/k/Index 0")
        #expect(decodedNew.wrapped.v.path == "wrapped/v")
    }
}

/// Writes its coding path as a string and reads back the path it is decoded at.
private struct PathEcho: Codable, Equatable {
    var path = ""

    init() {}

    init(from decoder: any Decoder) throws {
        path = decoder.codingPath.map(\.stringValue).joined(separator: "/")
        _ = try decoder.singleValueContainer().decode(String.self)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(encoder.codingPath.map(\.stringValue).joined(separator: "/"))
    }
}

private struct PathTree: Codable, Equatable {
    var leaf: PathEcho
    var list: [PathEcho]
    var byName: [String: [PathEcho]]
    var optional: PathEcho?
    var wrapped: Box<PathEcho>

    static func == (lhs: PathTree, rhs: PathTree) -> Bool {
        lhs.leaf == rhs.leaf && lhs.list == rhs.list && lhs.byName == rhs.byName && lhs.optional == rhs.optional
            && lhs.wrapped.v == rhs.wrapped.v
    }
}

/// Uses every container operation by hand, and notes what the decoding containers reported.
private struct HandWritten: Codable, Equatable {
    var count: Int
    var list: [String?]
    var inner: [String: Int]
    var tail: Bool
    var base: Int
    /// What decoding observed; not encoded.
    var probes: [String] = []

    private enum Keys: String, CodingKey { case count, extra, list, tail }

    private struct Name: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue _: Int) { nil }
    }

    init(count: Int, list: [String?], inner: [String: Int], tail: Bool, base: Int) {
        (self.count, self.list, self.inner, self.tail, self.base) = (count, list, inner, tail, base)
    }

    static func == (lhs: HandWritten, rhs: HandWritten) -> Bool {
        lhs.count == rhs.count && lhs.list == rhs.list && lhs.inner == rhs.inner && lhs.tail == rhs.tail && lhs.base == rhs.base
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(count, forKey: .count)
        try container.encodeNil(forKey: .extra)
        var elements = container.nestedUnkeyedContainer(forKey: .list)
        for item in list {
            if let item { try elements.encode(item) } else { try elements.encodeNil() }
        }
        var members = elements.nestedContainer(keyedBy: Name.self)
        var flags = elements.nestedUnkeyedContainer()
        for (key, value) in inner.sorted(by: { $0.key < $1.key }) {
            try members.encode(value, forKey: Name(stringValue: key))
        }
        try flags.encode(tail)
        var base = container.superEncoder().singleValueContainer()
        try base.encode(self.base)
        var tailEncoder = container.superEncoder(forKey: .tail).unkeyedContainer()
        try tailEncoder.encode(tail)
        _ = elements.superEncoder()  // encodes nothing: an empty object
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        count = try container.decode(Int.self, forKey: .count)
        if try container.decodeNil(forKey: .extra) { probes.append("extraIsNil") }
        var elements = try container.nestedUnkeyedContainer(forKey: .list)
        probes.append("listCount \(elements.count ?? -1)")
        list = []
        for _ in 0..<((elements.count ?? 3) - 3) {
            list.append(try elements.decodeNil() ? nil : try elements.decode(String.self))
        }
        let members = try elements.nestedContainer(keyedBy: Name.self)
        inner = [:]
        for key in members.allKeys {
            inner[key.stringValue] = try members.decode(Int.self, forKey: key)
        }
        var flags = try elements.nestedUnkeyedContainer()
        tail = try flags.decode(Bool.self)
        _ = try elements.superDecoder()
        if elements.isAtEnd, flags.isAtEnd { probes.append("atEnd") }
        if (try? elements.decodeNil()) == nil { probes.append("endNilThrows") }
        if (try? elements.decode(Int.self)) == nil, try elements.decodeIfPresent(Int.self) == nil { probes.append("endDecodeThrows") }
        base = try container.superDecoder().singleValueContainer().decode(Int.self)
        var tailDecoder = try container.superDecoder(forKey: .tail).unkeyedContainer()
        probes.append("tail \(try tailDecoder.decode(Bool.self))")
    }
}

private class Animal: Codable {
    var name: String

    init(name: String) { self.name = name }
}

private final class Dog: Animal {
    var breed: String

    private enum Keys: CodingKey { case breed }

    init(name: String, breed: String) {
        self.breed = breed
        super.init(name: name)
    }

    required init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        breed = try container.decode(String.self, forKey: .breed)
        try super.init(from: container.superDecoder())
    }

    override func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(breed, forKey: .breed)
        try super.encode(to: container.superEncoder())
    }
}
