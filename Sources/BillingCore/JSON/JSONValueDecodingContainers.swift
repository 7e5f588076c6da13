// MARK: - Keyed container

struct JSONValueKeyedDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: JSONValueDecoder
    let members: JSONObject
    /// How much of the decoder's path is this container's; it was made at that level.
    let depth: Int
    /// Keys of nested containers between that level and this one.
    var nesting: [any CodingKey] = []

    var codingPath: [any CodingKey] { Array(decoder.path.prefix(depth)) + nesting }

    var allKeys: [Key] { members.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

    private func path(_ key: Key) -> [any CodingKey] { codingPath + [key] }

    private func value(_ key: Key) throws -> JSONValue {
        guard let value = members[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "No value associated with key \(key.stringValue)."))
        }
        return value
    }

    /// The value for `key` unless it is missing or null, the cases `decodeIfPresent` maps to nil.
    private func presentValue(_ key: Key) -> JSONValue? {
        guard let value = members[key.stringValue] else { return nil }
        if case .null = value { return nil }
        return value
    }

    func decodeNil(forKey key: Key) throws -> Bool { try value(key) == .null }
    func decode(_: Bool.Type, forKey key: Key) throws -> Bool { try JSONValueDecoder.bool(try value(key), at: path(key)) }
    func decode(_: String.Type, forKey key: Key) throws -> String { try JSONValueDecoder.string(try value(key), at: path(key)) }
    func decode(_: Double.Type, forKey key: Key) throws -> Double { try JSONValueDecoder.double(try value(key), at: path(key)) }
    func decode(_: Float.Type, forKey key: Key) throws -> Float { try JSONValueDecoder.float(try value(key), at: path(key)) }
    func decode(_: Int.Type, forKey key: Key) throws -> Int { try integer(key) }
    func decode(_: Int8.Type, forKey key: Key) throws -> Int8 { try integer(key) }
    func decode(_: Int16.Type, forKey key: Key) throws -> Int16 { try integer(key) }
    func decode(_: Int32.Type, forKey key: Key) throws -> Int32 { try integer(key) }
    func decode(_: Int64.Type, forKey key: Key) throws -> Int64 { try integer(key) }
    func decode(_: Int128.Type, forKey key: Key) throws -> Int128 { try integer(key) }
    func decode(_: UInt.Type, forKey key: Key) throws -> UInt { try integer(key) }
    func decode(_: UInt8.Type, forKey key: Key) throws -> UInt8 { try integer(key) }
    func decode(_: UInt16.Type, forKey key: Key) throws -> UInt16 { try integer(key) }
    func decode(_: UInt32.Type, forKey key: Key) throws -> UInt32 { try integer(key) }
    func decode(_: UInt64.Type, forKey key: Key) throws -> UInt64 { try integer(key) }
    func decode(_: UInt128.Type, forKey key: Key) throws -> UInt128 { try integer(key) }

    @inline(__always)  // unspecialized, it looked up generic metadata on every call
    private func integer<Integer: FixedWidthInteger>(_ key: Key) throws -> Integer {
        try JSONValueDecoder.integer(try value(key), Integer.self, at: path(key))
    }

    func decode<T: Decodable>(_: T.Type, forKey key: Key) throws -> T {
        try decoder.decodeNested(T.self, from: try value(key), under: nesting, key)
    }

    // The optional fields of payloads, read with one lookup instead of three.
    func decodeIfPresent(_: String.Type, forKey key: Key) throws -> String? {
        try presentValue(key).map { try JSONValueDecoder.string($0, at: path(key)) }
    }

    func decodeIfPresent(_: Int64.Type, forKey key: Key) throws -> Int64? {
        try presentValue(key).map { try JSONValueDecoder.integer($0, Int64.self, at: path(key)) }
    }

    func decodeIfPresent(_: Int.Type, forKey key: Key) throws -> Int? {
        try presentValue(key).map { try JSONValueDecoder.integer($0, Int.self, at: path(key)) }
    }

    func decodeIfPresent(_: Bool.Type, forKey key: Key) throws -> Bool? {
        try presentValue(key).map { try JSONValueDecoder.bool($0, at: path(key)) }
    }

    func decodeIfPresent<T: Decodable>(_: T.Type, forKey key: Key) throws -> T? {
        try presentValue(key).map { try decoder.decodeNested(T.self, from: $0, under: nesting, key) }
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy _: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        let members = try JSONValueDecoder.object(try value(key), at: path(key))
        return KeyedDecodingContainer(
            JSONValueKeyedDecodingContainer<NestedKey>(decoder: decoder, members: members, depth: depth, nesting: nesting + [key])
        )
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        let elements = try JSONValueDecoder.array(try value(key), at: path(key))
        return JSONValueUnkeyedDecodingContainer(decoder: decoder, elements: elements, depth: depth, nesting: nesting + [key])
    }

    /// A decoder for the member `super`; like JSONDecoder, a missing member reads as null.
    func superDecoder() throws -> any Decoder {
        JSONValueDecoder(node: members[JSONCodingKey.super.stringValue] ?? .null, path: codingPath + [JSONCodingKey.super])
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        JSONValueDecoder(node: members[key.stringValue] ?? .null, path: path(key))
    }
}

// MARK: - Unkeyed container

struct JSONValueUnkeyedDecodingContainer: UnkeyedDecodingContainer {
    let decoder: JSONValueDecoder
    let elements: [JSONValue]
    /// See ``JSONValueKeyedDecodingContainer/depth``.
    let depth: Int
    var nesting: [any CodingKey] = []
    private(set) var currentIndex = 0

    var codingPath: [any CodingKey] { Array(decoder.path.prefix(depth)) + nesting }
    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private var currentKey: JSONCodingKey { JSONCodingKey(index: currentIndex) }
    private var currentPath: [any CodingKey] { codingPath + [currentKey] }

    /// Reads the current element with `read` (given the element and its path) and
    /// moves past it; a failed read stays put, as with JSONDecoder.
    private mutating func next<T>(_ expected: Any.Type, _ read: (JSONValue, () -> [any CodingKey]) throws -> T) throws -> T {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(expected, .init(codingPath: currentPath, debugDescription: "Unkeyed container is at end."))
        }
        let value = try read(elements[currentIndex]) { currentPath }
        currentIndex += 1
        return value
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(Never.self, .init(codingPath: currentPath, debugDescription: "Unkeyed container is at end."))
        }
        guard elements[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode(_: Bool.Type) throws -> Bool { try next(Bool.self) { try JSONValueDecoder.bool($0, at: $1()) } }
    mutating func decode(_: String.Type) throws -> String { try next(String.self) { try JSONValueDecoder.string($0, at: $1()) } }
    mutating func decode(_: Double.Type) throws -> Double { try next(Double.self) { try JSONValueDecoder.double($0, at: $1()) } }
    mutating func decode(_: Float.Type) throws -> Float { try next(Float.self) { try JSONValueDecoder.float($0, at: $1()) } }
    mutating func decode(_: Int.Type) throws -> Int { try integer() }
    mutating func decode(_: Int8.Type) throws -> Int8 { try integer() }
    mutating func decode(_: Int16.Type) throws -> Int16 { try integer() }
    mutating func decode(_: Int32.Type) throws -> Int32 { try integer() }
    mutating func decode(_: Int64.Type) throws -> Int64 { try integer() }
    mutating func decode(_: Int128.Type) throws -> Int128 { try integer() }
    mutating func decode(_: UInt.Type) throws -> UInt { try integer() }
    mutating func decode(_: UInt8.Type) throws -> UInt8 { try integer() }
    mutating func decode(_: UInt16.Type) throws -> UInt16 { try integer() }
    mutating func decode(_: UInt32.Type) throws -> UInt32 { try integer() }
    mutating func decode(_: UInt64.Type) throws -> UInt64 { try integer() }
    mutating func decode(_: UInt128.Type) throws -> UInt128 { try integer() }

    @inline(__always)  // see the keyed container's
    private mutating func integer<Integer: FixedWidthInteger>() throws -> Integer {
        try next(Integer.self) { try JSONValueDecoder.integer($0, Integer.self, at: $1()) }
    }

    mutating func decode<T: Decodable>(_: T.Type) throws -> T {
        let (decoder, nesting, key) = (decoder, nesting, currentKey)
        return try next(T.self) { value, _ in try decoder.decodeNested(T.self, from: value, under: nesting, key) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy _: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let (decoder, depth, nesting, key) = (decoder, depth, nesting, currentKey)
        let members = try next([String: Any].self) { try JSONValueDecoder.object($0, at: $1()) }
        return KeyedDecodingContainer(
            JSONValueKeyedDecodingContainer<NestedKey>(decoder: decoder, members: members, depth: depth, nesting: nesting + [key])
        )
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (decoder, depth, nesting, key) = (decoder, depth, nesting, currentKey)
        let elements = try next([Any].self) { try JSONValueDecoder.array($0, at: $1()) }
        return JSONValueUnkeyedDecodingContainer(decoder: decoder, elements: elements, depth: depth, nesting: nesting + [key])
    }

    mutating func superDecoder() throws -> any Decoder {
        try next((any Decoder).self) { JSONValueDecoder(node: $0, path: $1()) }
    }
}
