import Synchronization

/// An event's payload as a ``JSONValue``, as its canonical bytes, or both.
///
/// An event read from a store starts with the bytes only and parses them the first
/// time its payload is asked for (most readers never look, or look at a few events);
/// validation leaves behind the bytes it encoded, so the store writes them without
/// encoding again. Either form determines the other, so which ones are present never
/// changes what the event is.
final class EventPayloadForms: Sendable {
    private struct Forms {
        var value: JSONValue?
        var bytes: [UInt8]?
    }

    private let forms: Mutex<Forms>

    init(value: JSONValue) {
        forms = Mutex(Forms(value: value, bytes: nil))
    }

    /// Canonical bytes, parsed on first use.
    init(canonicalBytes: [UInt8]) {
        forms = Mutex(Forms(value: nil, bytes: canonicalBytes))
    }

    /// The value, parsed from the bytes on first use; `.null` if stored bytes do not
    /// parse (``parseError`` says why).
    var value: JSONValue {
        if let value = forms.withLock({ $0.value }) { return value }
        // Parsed outside the lock; two first readers may both parse, to the same value.
        let parsed = (try? parsedBytes()) ?? .null
        return forms.withLock { forms in
            if let value = forms.value { return value }
            forms.value = parsed
            return parsed
        }
    }

    /// Why the stored bytes do not parse, or `nil` if the payload is readable.
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
        if let bytes = forms.withLock({ $0.bytes }) { return bytes }
        return remember(CanonicalJSON.encode(value))
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

    /// Equality of the payloads, by bytes when both are known (canonical bytes are
    /// equal exactly when the values are), otherwise by value.
    func isEqual(to other: EventPayloadForms) -> Bool {
        if self === other { return true }
        if let left = knownBytes, let right = other.knownBytes { return left == right }
        return value == other.value
    }

    private func parsedBytes() throws(BillingError) -> JSONValue {
        guard let bytes = forms.withLock({ $0.bytes }) else { return .null }
        do {
            return try CanonicalJSON.decode(bytes)
        } catch {
            throw BillingError(.storageCorrupt, "A stored event's payload is not valid JSON", field: "payload", underlying: error as? BillingError)
        }
    }
}
