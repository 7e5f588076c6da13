/// How one part of an event (its payload, its metadata) goes to and from canonical JSON.
protocol CanonicalFormsCodec {
    associatedtype Value: Sendable
    /// The field named in errors.
    static var field: String { get }
    /// What an unreadable stored value reads as.
    static var unreadable: Value { get }
    static func parse(_ bytes: [UInt8]) throws -> Value
    static func encode(_ value: Value) -> [UInt8]
    static func isEqual(_ lhs: Value, _ rhs: Value) -> Bool
}

/// A part of an event as a value, as its canonical bytes, or both; either form
/// determines the other.
struct CanonicalForms<Codec: CanonicalFormsCodec>: Sendable {
    private(set) var value: Codec.Value?
    private(set) var bytes: [UInt8]?
    /// Why the bytes did not parse, once a parse failed (then `value` is unreadable).
    private var failure: BillingError?

    init(value: Codec.Value) {
        self.value = value
    }

    init(canonicalBytes: [UInt8]) {
        bytes = canonicalBytes
    }

    /// The value, parsed from the bytes on first use; ``CanonicalFormsCodec/unreadable``
    /// if they do not parse.
    mutating func parsedValue() -> Codec.Value {
        if let value { return value }
        let parsed: Codec.Value
        do throws(BillingError) {
            parsed = try parse()
        } catch {
            failure = error
            parsed = Codec.unreadable
        }
        value = parsed
        return parsed
    }

    /// Why the bytes do not parse, or `nil` if they do (or the value was given);
    /// parses them once, whichever of this and ``parsedValue()`` comes first.
    mutating func parseError() -> BillingError? {
        _ = parsedValue()
        return failure
    }

    /// The canonical bytes, encoded from the value on first use.
    mutating func encodedBytes() -> [UInt8] {
        if let bytes { return bytes }
        let encoded = Codec.encode(value ?? Codec.unreadable)
        bytes = encoded
        return encoded
    }

    /// Keeps `encoded`, the canonical encoding of the value.
    mutating func remember(_ encoded: [UInt8]) {
        if bytes == nil { bytes = encoded }
    }

    /// Equality of the values, by bytes when both are known (canonical bytes are
    /// equal exactly when the values are), otherwise by value.
    static func isEqual(_ lhs: inout Self, _ rhs: inout Self) -> Bool {
        if let left = lhs.bytes, let right = rhs.bytes { return left == right }
        return Codec.isEqual(lhs.parsedValue(), rhs.parsedValue())
    }

    private func parse() throws(BillingError) -> Codec.Value {
        guard let bytes else { return Codec.unreadable }
        do {
            return try Codec.parse(bytes)
        } catch {
            throw BillingError(
                .storageCorrupt, "A stored event's \(Codec.field) is not valid canonical JSON", field: Codec.field,
                underlying: error as? BillingError
            )
        }
    }
}

/// An event's payload and metadata, each as a value, as canonical bytes, or both.
///
/// An event read from a store starts with the bytes only and parses them the first
/// time they are asked for (most readers never look, or look at a few events);
/// validation leaves behind the payload bytes it encoded, so the store writes them
/// without encoding again. Which forms are present never changes what the event is.
/// A concrete class, one per event: a generic one would need run-time metadata to
/// be freed, which cost more than the parse it saves.
final class EventContent: Sendable {
    private struct Parts: Sendable {
        var payload: CanonicalForms<PayloadCodec>
        var metadata: CanonicalForms<MetadataCodec>
    }

    private let parts: Locked<Parts>

    init(payload: JSONValue, metadata: [String: JSONValue]) {
        parts = Locked(Parts(payload: CanonicalForms(value: payload), metadata: CanonicalForms(value: metadata)))
    }

    init(canonicalPayload: [UInt8], canonicalMetadata: [UInt8]) {
        parts = Locked(Parts(payload: CanonicalForms(canonicalBytes: canonicalPayload), metadata: CanonicalForms(canonicalBytes: canonicalMetadata)))
    }

    private init(_ parts: Parts) {
        self.parts = Locked(parts)
    }

    /// The same payload (in whatever forms it has) with other metadata.
    func replacingMetadata(_ metadata: [String: JSONValue]) -> EventContent {
        EventContent(parts.withLock { Parts(payload: $0.payload, metadata: CanonicalForms(value: metadata)) })
    }

    var payload: JSONValue { parts.withLock { $0.payload.parsedValue() } }
    var metadata: [String: JSONValue] { parts.withLock { $0.metadata.parsedValue() } }
    var payloadError: BillingError? { parts.withLock { $0.payload.parseError() } }
    var canonicalPayload: [UInt8] { parts.withLock { $0.payload.encodedBytes() } }
    var canonicalMetadata: [UInt8] { parts.withLock { $0.metadata.encodedBytes() } }

    /// Keeps `bytes`, the canonical encoding of the payload, and returns them.
    func rememberPayload(_ bytes: [UInt8]) -> [UInt8] {
        parts.withLock { $0.payload.remember(bytes) }
        return bytes
    }

    func hasSamePayload(as other: EventContent) -> Bool {
        if self === other { return true }
        var (left, right) = (parts.withLock { $0.payload }, other.parts.withLock { $0.payload })
        return CanonicalForms.isEqual(&left, &right)
    }

    func hasSameMetadata(as other: EventContent) -> Bool {
        if self === other { return true }
        var (left, right) = (parts.withLock { $0.metadata }, other.parts.withLock { $0.metadata })
        return CanonicalForms.isEqual(&left, &right)
    }
}

/// The payload: any JSON value.
enum PayloadCodec: CanonicalFormsCodec {
    static let field = "payload"
    static let unreadable = JSONValue.null
    static func parse(_ bytes: [UInt8]) throws -> JSONValue { try CanonicalJSON.decode(bytes) }
    static func encode(_ value: JSONValue) -> [UInt8] { CanonicalJSON.encode(value) }
    static func isEqual(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool { lhs == rhs }
}

/// The metadata: a JSON object whose keys a dictionary keeps apart.
enum MetadataCodec: CanonicalFormsCodec {
    static let field = "metadata"
    static let unreadable: [String: JSONValue] = [:]

    static func parse(_ bytes: [UInt8]) throws -> [String: JSONValue] {
        guard case .object(let members) = try CanonicalJSON.decode(bytes), let metadata = members.uniqueDictionary else {
            throw BillingError(.parseFailure, "Metadata is not an object with distinct keys", field: field)
        }
        return metadata
    }

    static func encode(_ value: [String: JSONValue]) -> [UInt8] { CanonicalJSON.encode(.object(JSONObject(value))) }

    /// By bytes, as ``JSONValue`` compares: a dictionary finds a key by canonical
    /// equivalence, so the keys found are compared byte for byte too.
    static func isEqual(_ lhs: [String: JSONValue], _ rhs: [String: JSONValue]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for (key, value) in lhs {
            guard let index = rhs.index(forKey: key), utf8Equal(rhs[index].key, key), rhs[index].value == value else {
                return false
            }
        }
        return true
    }
}

