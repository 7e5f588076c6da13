/// An object being encoded. A reference, so nested containers handed out for its
/// members keep writing into it after the call that made them returns.
final class JSONObjectBuilder {
    // Unchecked for the reason given on `JSONValueEncoder.content`. Room for eight
    // members spares most objects a rehash or two as they grow.
    @exclusivity(unchecked) private var members: [String: JSONValue] = [:]
    /// Members whose containers or super encoders may still be written to; they are
    /// read when the object is finished.
    @exclusivity(unchecked) private var pending: [String: PendingJSON] = [:]

    init() {
        members.reserveCapacity(8)
    }

    func set(_ value: JSONValue, for key: String) {
        members[key] = value
        if !pending.isEmpty { pending[key] = nil }  // the last write for a key wins
    }

    func setPending(_ value: PendingJSON, for key: String) {
        pending[key] = value
    }

    func resolve() throws -> JSONValue {
        guard !pending.isEmpty else { return .object(JSONObject(members)) }
        var resolved = members
        for (key, value) in pending {
            resolved[key] = try value.resolve()
        }
        return .object(JSONObject(resolved))
    }
}

/// An array being encoded; see ``JSONObjectBuilder``.
final class JSONArrayBuilder {
    @exclusivity(unchecked) private var elements: [JSONValue] = []
    @exclusivity(unchecked) private var pending: [(index: Int, value: PendingJSON)] = []

    var count: Int { elements.count }

    func append(_ value: JSONValue) {
        elements.append(value)
    }

    func appendPending(_ value: PendingJSON) {
        pending.append((elements.count, value))
        elements.append(.null)  // a placeholder until the array is finished
    }

    func resolve() throws -> JSONValue {
        guard !pending.isEmpty else { return .array(elements) }
        var resolved = elements
        for (index, value) in pending {
            resolved[index] = try value.resolve()
        }
        return .array(resolved)
    }
}

/// A member or element whose value is known only when its parent is finished.
enum PendingJSON {
    case object(JSONObjectBuilder)
    case array(JSONArrayBuilder)
    /// A super encoder; one that encoded nothing gives `{}`, as with JSONEncoder.
    case encoder(JSONValueEncoder)

    func resolve() throws -> JSONValue {
        switch self {
        case .object(let builder): return try builder.resolve()
        case .array(let builder): return try builder.resolve()
        case .encoder(let encoder): return try encoder.takeContent() ?? .object([:])
        }
    }
}

// MARK: - Keyed container

struct JSONValueKeyedEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: JSONValueEncoder
    let builder: JSONObjectBuilder
    /// How much of the encoder's path is this container's; it was made at that level.
    let depth: Int
    /// Keys of nested containers between that level and this one.
    var nesting: [any CodingKey] = []

    var codingPath: [any CodingKey] { Array(encoder.path.prefix(depth)) + nesting }

    private func path(_ key: Key) -> [any CodingKey] { codingPath + [key] }

    mutating func encodeNil(forKey key: Key) throws { builder.set(.null, for: key.stringValue) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { builder.set(.bool(value), for: key.stringValue) }
    mutating func encode(_ value: String, forKey key: Key) throws { builder.set(.string(value), for: key.stringValue) }
    mutating func encode(_ value: Double, forKey key: Key) throws {
        builder.set(try JSONValueEncoder.number(value, at: path(key)), for: key.stringValue)
    }
    mutating func encode(_ value: Float, forKey key: Key) throws {
        builder.set(try JSONValueEncoder.number(value, at: path(key)), for: key.stringValue)
    }
    mutating func encode(_ value: Int, forKey key: Key) throws { builder.set(.int(Int64(value)), for: key.stringValue) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { builder.set(.int(Int64(value)), for: key.stringValue) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { builder.set(.int(Int64(value)), for: key.stringValue) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { builder.set(.int(Int64(value)), for: key.stringValue) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { builder.set(.int(value), for: key.stringValue) }
    mutating func encode(_ value: Int128, forKey key: Key) throws { try setInteger(value, key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try setInteger(value, key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { builder.set(.int(Int64(value)), for: key.stringValue) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { builder.set(.int(Int64(value)), for: key.stringValue) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { builder.set(.int(Int64(value)), for: key.stringValue) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try setInteger(value, key) }
    mutating func encode(_ value: UInt128, forKey key: Key) throws { try setInteger(value, key) }

    private func setInteger(_ value: some FixedWidthInteger, _ key: Key) throws {
        builder.set(try JSONValueEncoder.number(value, at: path(key)), for: key.stringValue)
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        builder.set(try encoder.encodeNested(value, under: nesting, key), for: key.stringValue)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy _: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let nested = JSONObjectBuilder()
        builder.setPending(.object(nested), for: key.stringValue)
        return KeyedEncodingContainer(
            JSONValueKeyedEncodingContainer<NestedKey>(encoder: encoder, builder: nested, depth: depth, nesting: nesting + [key])
        )
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = JSONArrayBuilder()
        builder.setPending(.array(nested), for: key.stringValue)
        return JSONValueUnkeyedEncodingContainer(encoder: encoder, builder: nested, depth: depth, nesting: nesting + [key])
    }

    mutating func superEncoder() -> any Encoder {
        superEncoder(key: JSONCodingKey.super)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        superEncoder(key: key)
    }

    private func superEncoder(key: any CodingKey) -> any Encoder {
        let superEncoder = JSONValueEncoder(path: codingPath + [key])
        builder.setPending(.encoder(superEncoder), for: key.stringValue)
        return superEncoder
    }
}

// MARK: - Unkeyed container

struct JSONValueUnkeyedEncodingContainer: UnkeyedEncodingContainer {
    let encoder: JSONValueEncoder
    let builder: JSONArrayBuilder
    /// See ``JSONValueKeyedEncodingContainer/depth``.
    let depth: Int
    var nesting: [any CodingKey] = []

    var codingPath: [any CodingKey] { Array(encoder.path.prefix(depth)) + nesting }
    var count: Int { builder.count }

    private var nextKey: JSONCodingKey { JSONCodingKey(index: builder.count) }
    private var nextPath: [any CodingKey] { codingPath + [nextKey] }

    mutating func encodeNil() throws { builder.append(.null) }
    mutating func encode(_ value: Bool) throws { builder.append(.bool(value)) }
    mutating func encode(_ value: String) throws { builder.append(.string(value)) }
    mutating func encode(_ value: Double) throws { builder.append(try JSONValueEncoder.number(value, at: nextPath)) }
    mutating func encode(_ value: Float) throws { builder.append(try JSONValueEncoder.number(value, at: nextPath)) }
    mutating func encode(_ value: Int) throws { builder.append(.int(Int64(value))) }
    mutating func encode(_ value: Int8) throws { builder.append(.int(Int64(value))) }
    mutating func encode(_ value: Int16) throws { builder.append(.int(Int64(value))) }
    mutating func encode(_ value: Int32) throws { builder.append(.int(Int64(value))) }
    mutating func encode(_ value: Int64) throws { builder.append(.int(value)) }
    mutating func encode(_ value: Int128) throws { builder.append(try JSONValueEncoder.number(value, at: nextPath)) }
    mutating func encode(_ value: UInt) throws { builder.append(try JSONValueEncoder.number(value, at: nextPath)) }
    mutating func encode(_ value: UInt8) throws { builder.append(.int(Int64(value))) }
    mutating func encode(_ value: UInt16) throws { builder.append(.int(Int64(value))) }
    mutating func encode(_ value: UInt32) throws { builder.append(.int(Int64(value))) }
    mutating func encode(_ value: UInt64) throws { builder.append(try JSONValueEncoder.number(value, at: nextPath)) }
    mutating func encode(_ value: UInt128) throws { builder.append(try JSONValueEncoder.number(value, at: nextPath)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        builder.append(try encoder.encodeNested(value, under: nesting, nextKey))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy _: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let nested = JSONObjectBuilder()
        let key = nextKey
        builder.appendPending(.object(nested))
        return KeyedEncodingContainer(
            JSONValueKeyedEncodingContainer<NestedKey>(encoder: encoder, builder: nested, depth: depth, nesting: nesting + [key])
        )
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = JSONArrayBuilder()
        let key = nextKey
        builder.appendPending(.array(nested))
        return JSONValueUnkeyedEncodingContainer(encoder: encoder, builder: nested, depth: depth, nesting: nesting + [key])
    }

    mutating func superEncoder() -> any Encoder {
        let superEncoder = JSONValueEncoder(path: nextPath)
        builder.appendPending(.encoder(superEncoder))
        return superEncoder
    }
}
