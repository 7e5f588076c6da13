import Foundation

/// An `Encoder` that builds a ``JSONValue`` directly.
///
/// It gives what JSONEncoder (dates as ``Timestamp`` strings) followed by
/// ``JSONParser`` gave, without the text in between: `Data` is Base64, `URL` its
/// absolute string, `Decimal` a number. Three deliberate differences: a double stays
/// `.double` even when integral (`5.0`, `-0.0`; JSONEncoder writes `5` and `-0`), a
/// ``JSONValue`` is inserted as it is, and an integer that does not fit in 64 bits is
/// an error instead of a rounded double.
///
/// One encoder serves a whole tree: a nested value swaps the current slot in and
/// out, so encoding allocates only the objects and arrays it builds.
final class JSONValueEncoder: Encoder {
    /// What has been encoded at the current level.
    private enum Content {
        case empty
        case value(JSONValue)
        case object(JSONObjectBuilder)
        case array(JSONArrayBuilder)
    }

    // The hot state is accessed unchecked: the encoder is confined to one synchronous
    // encode and never reads a property while writing it, and dynamic exclusivity
    // checks were a tenth of the encoding time.
    @exclusivity(unchecked) private var content = Content.empty
    /// The keys from the root to the value being encoded.
    @exclusivity(unchecked) private(set) var path: [any CodingKey]
    /// The first misuse, such as two kinds of container for one value. JSONEncoder
    /// traps on these; we report them when the value is finished.
    private var misuse: (description: String, path: [any CodingKey])?

    var codingPath: [any CodingKey] { path }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(path: [any CodingKey] = []) {
        self.path = path
    }

    /// Encodes a whole value.
    static func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        let encoder = JSONValueEncoder()
        if let direct = try encoder.directValue(value) { return direct }
        try value.encode(to: encoder)
        guard let result = try encoder.takeContent() else {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "Top-level \(T.self) did not encode any values."))
        }
        return result
    }

    /// Encodes `value` below the current level, under `keys`, and returns its JSON.
    /// A value that encodes nothing becomes `{}`, as with JSONEncoder.
    func encodeNested<T: Encodable>(_ value: T, under keys: [any CodingKey], _ key: (any CodingKey)?) throws -> JSONValue {
        let mark = path.count
        if !keys.isEmpty { path.append(contentsOf: keys) }
        if let key { path.append(key) }
        defer {
            // One key is the common case; removeLast() is much cheaper than removeLast(_:).
            if path.count == mark + 1 { path.removeLast() } else { path.removeLast(path.count - mark) }
        }
        if let direct = try directValue(value) { return direct }
        let outer = content
        content = .empty
        defer { content = outer }
        try value.encode(to: self)
        return try takeContent() ?? .object([:])
    }

    /// The finished value of the current level; `nil` if nothing was encoded.
    func takeContent() throws -> JSONValue? {
        if let misuse {
            throw EncodingError.invalidValue(misuse.description, .init(codingPath: misuse.path, debugDescription: misuse.description))
        }
        switch content {
        case .empty: return nil
        case .value(let value): return value
        case .object(let builder): return try builder.resolve()
        case .array(let builder): return try builder.resolve()
        }
    }

    /// The JSON of the types JSONEncoder special-cases, and of common primitives (to
    /// skip a trip through their `encode(to:)`); `nil` for every other type.
    private func directValue<T: Encodable>(_ value: T) throws -> JSONValue? {
        if T.self == JSONValue.self { return (value as! JSONValue) }
        if T.self == String.self { return .string(value as! String) }
        if T.self == Int64.self { return .int(value as! Int64) }
        if T.self == Int.self { return .int(Int64(value as! Int)) }
        if T.self == Bool.self { return .bool(value as! Bool) }
        if T.self == Double.self { return try Self.number(value as! Double, at: path) }
        if T.self == Date.self { return .string(Timestamp.format(value as! Date)) }
        if T.self == Data.self { return .string((value as! Data).base64EncodedString()) }
        if T.self == URL.self { return .string((value as! URL).absoluteString) }
        if T.self == Decimal.self {
            let decimal = value as! Decimal
            guard let number = JSONNumberConversion.value(decimal) else {
                throw EncodingError.invalidValue(decimal, .init(codingPath: path, debugDescription: "Unable to encode Decimal.nan in JSON."))
            }
            return number
        }
        return nil
    }

    // MARK: - Containers

    func container<Key: CodingKey>(keyedBy _: Key.Type) -> KeyedEncodingContainer<Key> {
        let builder: JSONObjectBuilder
        switch content {
        case .object(let existing):
            builder = existing
        case .empty:
            builder = JSONObjectBuilder()
            content = .object(builder)
        case .value, .array:
            builder = JSONObjectBuilder()
            recordMisuse("A keyed container was requested where another kind of value was already encoded.")
        }
        return KeyedEncodingContainer(JSONValueKeyedEncodingContainer<Key>(encoder: self, builder: builder, depth: path.count))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let builder: JSONArrayBuilder
        switch content {
        case .array(let existing):
            builder = existing
        case .empty:
            builder = JSONArrayBuilder()
            content = .array(builder)
        case .value, .object:
            builder = JSONArrayBuilder()
            recordMisuse("An unkeyed container was requested where another kind of value was already encoded.")
        }
        return JSONValueUnkeyedEncodingContainer(encoder: self, builder: builder, depth: path.count)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        self
    }

    private func recordMisuse(_ description: String) {
        guard misuse == nil else { return }
        misuse = (description, path)
    }

    // MARK: - Numbers

    static func number(_ value: Double, at path: @autoclosure () -> [any CodingKey]) throws -> JSONValue {
        guard let number = JSONNumberConversion.value(value) else { throw nonFinite(value, at: path()) }
        return number
    }

    static func number(_ value: Float, at path: @autoclosure () -> [any CodingKey]) throws -> JSONValue {
        guard let number = JSONNumberConversion.value(value) else { throw nonFinite(value, at: path()) }
        return number
    }

    static func number<Integer: FixedWidthInteger>(_ value: Integer, at path: @autoclosure () -> [any CodingKey]) throws -> JSONValue {
        guard let number = JSONNumberConversion.value(value) else {
            throw EncodingError.invalidValue(
                value, .init(codingPath: path(), debugDescription: "\(Integer.self) value does not fit in a 64-bit JSON integer.")
            )
        }
        return number
    }

    private static func nonFinite<F: FloatingPoint>(_ value: F, at path: [any CodingKey]) -> EncodingError {
        let name = value.isNaN ? "nan" : value < 0 ? "-infinity" : "infinity"
        return EncodingError.invalidValue(value, .init(codingPath: path, debugDescription: "Unable to encode \(F.self).\(name) directly in JSON."))
    }
}

// MARK: - Single value container

extension JSONValueEncoder: SingleValueEncodingContainer {
    private func store(_ value: JSONValue) {
        guard case .empty = content else {
            recordMisuse("A single value was encoded where a value was already encoded.")
            return
        }
        content = .value(value)
    }

    func encodeNil() throws { store(.null) }
    func encode(_ value: Bool) throws { store(.bool(value)) }
    func encode(_ value: String) throws { store(.string(value)) }
    func encode(_ value: Double) throws { store(try Self.number(value, at: path)) }
    func encode(_ value: Float) throws { store(try Self.number(value, at: path)) }
    func encode(_ value: Int) throws { store(.int(Int64(value))) }
    func encode(_ value: Int8) throws { store(.int(Int64(value))) }
    func encode(_ value: Int16) throws { store(.int(Int64(value))) }
    func encode(_ value: Int32) throws { store(.int(Int64(value))) }
    func encode(_ value: Int64) throws { store(.int(value)) }
    func encode(_ value: Int128) throws { store(try Self.number(value, at: path)) }
    func encode(_ value: UInt) throws { store(try Self.number(value, at: path)) }
    func encode(_ value: UInt8) throws { store(.int(Int64(value))) }
    func encode(_ value: UInt16) throws { store(.int(Int64(value))) }
    func encode(_ value: UInt32) throws { store(.int(Int64(value))) }
    func encode(_ value: UInt64) throws { store(try Self.number(value, at: path)) }
    func encode(_ value: UInt128) throws { store(try Self.number(value, at: path)) }

    func encode<T: Encodable>(_ value: T) throws {
        store(try encodeNested(value, under: [], nil))
    }
}
