import Synchronization

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

/// A part of an event as a value, as its canonical bytes, or both.
///
/// An event read from a store starts with the bytes only and parses them the first
/// time the value is asked for (most readers never look, or look at a few events);
/// validation leaves behind the bytes it encoded, so the store writes them without
/// encoding again. Either form determines the other, so which ones are present never
/// changes what the event is.
final class CanonicalForms<Codec: CanonicalFormsCodec>: Sendable {
    private struct Forms: Sendable {
        var value: Codec.Value?
        var bytes: [UInt8]?
    }

    private let forms: Mutex<Forms>

    init(value: Codec.Value) {
        forms = Mutex(Forms(value: value, bytes: nil))
    }

    /// Canonical bytes, parsed on first use.
    init(canonicalBytes: [UInt8]) {
        forms = Mutex(Forms(value: nil, bytes: canonicalBytes))
    }

    /// The value, parsed from the bytes on first use; ``CanonicalFormsCodec/unreadable``
    /// if stored bytes do not parse (``parseError`` says why).
    var value: Codec.Value {
        if let value = forms.withLock({ $0.value }) { return value }
        // Parsed outside the lock; two first readers may both parse, to the same value.
        let parsed = (try? parsedBytes()) ?? Codec.unreadable
        return forms.withLock { forms in
            if let value = forms.value { return value }
            forms.value = parsed
            return parsed
        }
    }

    /// Why the stored bytes do not parse, or `nil` if they do (or there are none).
    var parseError: BillingError? {
        guard forms.withLock({ $0.value == nil }) else { return nil }
        do throws(BillingError) {
            _ = try parsedBytes()
            return nil
        } catch {
            return error
        }
    }

    /// The canonical bytes, encoded from the value on first use.
    var canonicalBytes: [UInt8] {
        if let bytes = knownBytes { return bytes }
        return remember(Codec.encode(value))
    }

    /// The bytes if they are already known.
    var knownBytes: [UInt8]? {
        forms.withLock { $0.bytes }
    }

    /// Keeps `bytes`, the canonical encoding of ``value``, and returns them.
    @discardableResult
    func remember(_ bytes: [UInt8]) -> [UInt8] {
        forms.withLock { forms in
            if forms.bytes == nil { forms.bytes = bytes }
            return forms.bytes ?? bytes
        }
    }

    /// Equality of the values, by bytes when both are known (canonical bytes are
    /// equal exactly when the values are), otherwise by value.
    func isEqual(to other: CanonicalForms<Codec>) -> Bool {
        if self === other { return true }
        if let left = knownBytes, let right = other.knownBytes { return left == right }
        return Codec.isEqual(value, other.value)
    }

    private func parsedBytes() throws(BillingError) -> Codec.Value {
        guard let bytes = knownBytes else { return Codec.unreadable }
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

typealias EventPayloadForms = CanonicalForms<PayloadCodec>
typealias EventMetadataForms = CanonicalForms<MetadataCodec>
