import Foundation

/// A `Decoder` that reads a ``JSONValue`` directly.
///
/// It accepts and rejects what JSONDecoder (dates as ``Timestamp`` strings) accepted
/// and rejected when it read the value's canonical text: integers of every width
/// from numbers that denote one exactly (`5`, `5.0`, `1.5e1`), never silently
/// truncated; floating-point types from any number; `Bool` only from `true`/`false`;
/// `Data` from Base64; `URL` from a string; a missing key is `keyNotFound`, a null
/// where a value is needed `valueNotFound`. Decoding a ``JSONValue`` returns the
/// node as it is. Error descriptions name types and keys, never the value.
///
/// One decoder serves a whole tree: a nested value swaps the current node in and
/// out, so decoding allocates only what the decoded values themselves hold.
final class JSONValueDecoder: Decoder {
    // Unchecked: the decoder is confined to one synchronous decode and never reads a
    // property while writing it; dynamic exclusivity checks cost a tenth of the time.
    /// The node being decoded.
    @exclusivity(unchecked) private(set) var node: JSONValue
    /// The keys from the root to `node`.
    @exclusivity(unchecked) private(set) var path: [any CodingKey]

    var codingPath: [any CodingKey] { path }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(node: JSONValue, path: [any CodingKey] = []) {
        self.node = node
        self.path = path
    }

    /// Decodes a whole value.
    static func decode<T: Decodable>(_: T.Type, from value: JSONValue) throws -> T {
        try JSONValueDecoder(node: value).decodeNode(T.self)
    }

    /// Decodes `value`, found below the current level under `keys`.
    func decodeNested<T: Decodable>(_: T.Type, from value: JSONValue, under keys: [any CodingKey], _ key: (any CodingKey)?) throws -> T {
        let mark = path.count
        if !keys.isEmpty { path.append(contentsOf: keys) }
        if let key { path.append(key) }
        defer {
            // One key is the common case; removeLast() is much cheaper than removeLast(_:).
            if path.count == mark + 1 { path.removeLast() } else { path.removeLast(path.count - mark) }
        }
        let outer = node
        node = value
        defer { node = outer }
        return try decodeNode(T.self)
    }

    /// Decodes the current node. The types JSONDecoder special-cases, and common
    /// primitives (to skip a trip through their `init(from:)`), are read here; the
    /// checks return `T` rather than `T?`, which would cost a metadata lookup each time.
    private func decodeNode<T: Decodable>(_: T.Type) throws -> T {
        if T.self == JSONValue.self { return node as! T }
        if T.self == String.self { return try Self.string(node, at: path) as! T }
        if T.self == Int64.self { return try Self.integer(node, Int64.self, at: path) as! T }
        if T.self == Int.self { return try Self.integer(node, Int.self, at: path) as! T }
        if T.self == Bool.self { return try Self.bool(node, at: path) as! T }
        if T.self == Double.self { return try Self.double(node, at: path) as! T }
        if T.self == Date.self { return try Self.date(node, at: path) as! T }
        if T.self == Data.self { return try Self.data(node, at: path) as! T }
        if T.self == URL.self { return try Self.url(node, at: path) as! T }
        if T.self == Decimal.self { return try Self.decimal(node, at: path) as! T }
        return try T(from: self)
    }

    // MARK: - Containers

    func container<Key: CodingKey>(keyedBy _: Key.Type) throws -> KeyedDecodingContainer<Key> {
        let members = try Self.object(node, at: path)
        return KeyedDecodingContainer(JSONValueKeyedDecodingContainer<Key>(decoder: self, members: members, depth: path.count))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let elements = try Self.array(node, at: path)
        return JSONValueUnkeyedDecodingContainer(decoder: self, elements: elements, depth: path.count)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        self
    }
}

// MARK: - Single value container

extension JSONValueDecoder: SingleValueDecodingContainer {
    func decodeNil() -> Bool { node == .null }
    func decode(_: Bool.Type) throws -> Bool { try Self.bool(node, at: path) }
    func decode(_: String.Type) throws -> String { try Self.string(node, at: path) }
    func decode(_: Double.Type) throws -> Double { try Self.double(node, at: path) }
    func decode(_: Float.Type) throws -> Float { try Self.float(node, at: path) }
    func decode(_: Int.Type) throws -> Int { try Self.integer(node, Int.self, at: path) }
    func decode(_: Int8.Type) throws -> Int8 { try Self.integer(node, Int8.self, at: path) }
    func decode(_: Int16.Type) throws -> Int16 { try Self.integer(node, Int16.self, at: path) }
    func decode(_: Int32.Type) throws -> Int32 { try Self.integer(node, Int32.self, at: path) }
    func decode(_: Int64.Type) throws -> Int64 { try Self.integer(node, Int64.self, at: path) }
    func decode(_: Int128.Type) throws -> Int128 { try Self.integer(node, Int128.self, at: path) }
    func decode(_: UInt.Type) throws -> UInt { try Self.integer(node, UInt.self, at: path) }
    func decode(_: UInt8.Type) throws -> UInt8 { try Self.integer(node, UInt8.self, at: path) }
    func decode(_: UInt16.Type) throws -> UInt16 { try Self.integer(node, UInt16.self, at: path) }
    func decode(_: UInt32.Type) throws -> UInt32 { try Self.integer(node, UInt32.self, at: path) }
    func decode(_: UInt64.Type) throws -> UInt64 { try Self.integer(node, UInt64.self, at: path) }
    func decode(_: UInt128.Type) throws -> UInt128 { try Self.integer(node, UInt128.self, at: path) }

    func decode<T: Decodable>(_: T.Type) throws -> T {
        try decodeNested(T.self, from: node, under: [], nil)
    }
}

// MARK: - Reading one node

extension JSONValueDecoder {
    typealias Path = () -> [any CodingKey]

    /// The description of a date that is not a timestamp, as the Foundation path worded it.
    static let notATimestamp = "Not an ISO 8601 timestamp"

    static func bool(_ value: JSONValue, at path: @autoclosure Path) throws -> Bool {
        // JSONDecoder reports a null Bool as a type mismatch, unlike other nulls.
        guard case .bool(let flag) = value else { throw mismatch(Bool.self, value, path(), nullIsMissing: false) }
        return flag
    }

    static func string(_ value: JSONValue, at path: @autoclosure Path) throws -> String {
        guard case .string(let text) = value else { throw mismatch(String.self, value, path()) }
        return text
    }

    /// Inlined so each integer type gets its own `.int` fast path.
    @inline(__always)
    static func integer<Integer: FixedWidthInteger>(_ value: JSONValue, _: Integer.Type, at path: @autoclosure Path) throws -> Integer {
        if case .int(let number) = value, let integer = Integer(exactly: number) { return integer }
        return try integer(converting: value, Integer.self, at: path())
    }

    private static func integer<Integer: FixedWidthInteger>(converting value: JSONValue, _: Integer.Type, at path: [any CodingKey]) throws -> Integer {
        guard isNumber(value) else { throw mismatch(Integer.self, value, path) }
        guard let integer = JSONNumberConversion.integer(value, as: Integer.self) else {
            throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "The number does not fit in \(Integer.self)."))
        }
        return integer
    }

    static func double(_ value: JSONValue, at path: @autoclosure Path) throws -> Double {
        switch value {
        case .double(let number): return number
        case .int(let number): return Double(number)
        default: throw mismatch(Double.self, value, path())
        }
    }

    static func float(_ value: JSONValue, at path: @autoclosure Path) throws -> Float {
        guard isNumber(value) else { throw mismatch(Float.self, value, path()) }
        guard let float = JSONNumberConversion.float(value) else {
            throw DecodingError.dataCorrupted(.init(codingPath: path(), debugDescription: "The number is not representable as Float."))
        }
        return float
    }

    static func date(_ value: JSONValue, at path: @autoclosure Path) throws -> Date {
        guard let date = Timestamp.parse(try string(value, at: path())) else {
            throw DecodingError.dataCorrupted(.init(codingPath: path(), debugDescription: notATimestamp))
        }
        return date
    }

    static func data(_ value: JSONValue, at path: @autoclosure Path) throws -> Data {
        guard let data = Data(base64Encoded: try string(value, at: path())) else {
            throw DecodingError.dataCorrupted(.init(codingPath: path(), debugDescription: "Encountered Data is not valid Base64."))
        }
        return data
    }

    static func url(_ value: JSONValue, at path: @autoclosure Path) throws -> URL {
        guard let url = URL(string: try string(value, at: path())) else {
            throw DecodingError.dataCorrupted(.init(codingPath: path(), debugDescription: "Invalid URL string."))
        }
        return url
    }

    static func decimal(_ value: JSONValue, at path: @autoclosure Path) throws -> Decimal {
        guard isNumber(value) else { throw mismatch(Decimal.self, value, path()) }
        guard let decimal = JSONNumberConversion.decimal(value) else {
            throw DecodingError.dataCorrupted(.init(codingPath: path(), debugDescription: "The number is not representable as Decimal."))
        }
        return decimal
    }

    static func object(_ value: JSONValue, at path: @autoclosure Path) throws -> JSONObject {
        guard case .object(let members) = value else {
            throw mismatch([String: Any].self, value, path(), container: "keyed decoding container")
        }
        return members
    }

    static func array(_ value: JSONValue, at path: @autoclosure Path) throws -> [JSONValue] {
        guard case .array(let elements) = value else {
            throw mismatch([Any].self, value, path(), container: "unkeyed decoding container")
        }
        return elements
    }

    /// `valueNotFound` for a null, `typeMismatch` otherwise, worded as JSONDecoder words them.
    static func mismatch(
        _ type: Any.Type, _ value: JSONValue, _ path: [any CodingKey], container: String? = nil, nullIsMissing: Bool = true
    ) -> DecodingError {
        if case .null = value, nullIsMissing {
            let what = container ?? "value of type \(type)"
            return .valueNotFound(type, .init(codingPath: path, debugDescription: "Cannot get \(what) -- found null value instead"))
        }
        return .typeMismatch(type, .init(codingPath: path, debugDescription: "Expected to decode \(type) but found \(kind(of: value)) instead."))
    }

    private static func isNumber(_ value: JSONValue) -> Bool {
        switch value {
        case .int, .double: return true
        default: return false
        }
    }

    private static func kind(of value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "bool"
        case .int, .double: return "number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "a dictionary"
        }
    }
}
