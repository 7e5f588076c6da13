/// Checks events against ``EventLimits``, and raw payloads of registered types against
/// their typed payloads (``EventPayloadTypes``), before anything is stored.
///
/// Messages name the field and the limit but never echo the offending value:
/// payloads and ids can carry personal data.
public struct EventValidator: Sendable {
    /// The limits applied.
    public let limits: EventLimits
    /// The event types whose payloads must decode as their typed payload.
    public let payloadTypes: EventPayloadTypes

    /// Creates a validator; by default the built-in event types' payloads are checked.
    public init(limits: EventLimits = EventLimits(), payloadTypes: EventPayloadTypes = .builtIn) {
        self.limits = limits
        self.payloadTypes = payloadTypes
    }

    /// Validates a batch: its size, then every event in it.
    /// - Throws: the first violation, naming the event's position when there are several.
    public func validate(batch events: [BillingEvent]) throws {
        guard !events.isEmpty else {
            throw BillingError.invalid("events", "A batch must contain at least one event")
        }
        guard events.count <= limits.maxBatchSize else {
            throw BillingError.limit("events", "A batch may hold at most \(limits.maxBatchSize) events, got \(events.count)")
        }
        for (index, event) in events.enumerated() {
            do {
                try validate(event)
            } catch var error as BillingError where events.count > 1 {
                error.message = "Event \(index) of the batch: " + error.message
                throw error
            }
        }
    }

    /// Validates one event.
    public func validate(_ event: BillingEvent) throws {
        try identifier(event.tenantId, field: "tenantId")
        try identifier(event.userId, field: "userId")
        try identifier(event.entityId, field: "entityId")
        try identifier(event.idempotencyKey, field: "idempotencyKey")
        try identifier(event.correlationId, field: "correlationId")
        guard event.schemaVersion >= 1 else {
            throw BillingError.invalid("schemaVersion", "Schema version must be at least 1")
        }
        guard Timestamp.isInRange(event.timestampMicroseconds) else {
            throw BillingError.invalid(
                "timestamp", "Timestamp must be a finite date from 0000-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z"
            )
        }

        // One pass checks and encodes the payload; the store writes these bytes.
        let payloadBytes: Int
        do {
            payloadBytes = try event.encodeCanonicalPayload(maxDepth: limits.maxJSONDepth).count
        } catch var error as BillingError {
            error.field = "payload"
            throw error
        }
        guard payloadBytes <= limits.maxPayloadBytes else {
            throw BillingError.limit("payload", "Payload is \(payloadBytes) bytes; the limit is \(limits.maxPayloadBytes)")
        }

        let metadata = event.metadata  // parsed and copied under a lock: read once
        guard metadata.count <= limits.maxMetadataEntries else {
            throw BillingError.limit("metadata", "Metadata has \(metadata.count) entries; the limit is \(limits.maxMetadataEntries)")
        }
        for (key, value) in metadata {
            guard !key.isEmpty, key.utf8.count <= limits.maxMetadataKeyLength else {
                throw BillingError.limit("metadata", "Metadata keys must be 1 to \(limits.maxMetadataKeyLength) bytes")
            }
            guard !Self.containsControlCharacter(key) else {
                throw BillingError.invalid("metadata", "Metadata keys must not contain control characters")
            }
            let size = try measure(value, field: "metadata")
            guard size <= limits.maxMetadataValueBytes else {
                throw BillingError.limit("metadata", "A metadata value is \(size) bytes; the limit is \(limits.maxMetadataValueBytes)")
            }
        }

        // Last, as the dearest check, and only on payloads the limits have bounded.
        try payloadTypes.validate(event)
    }

    private func identifier(_ value: String?, field: String) throws {
        guard let value else { return }
        guard !value.isEmpty else {
            throw BillingError.invalid(field, "\(field) must not be empty; leave it nil instead")
        }
        guard value.utf8.count <= limits.maxIdentifierLength else {
            throw BillingError.limit(field, "\(field) is \(value.utf8.count) bytes; the limit is \(limits.maxIdentifierLength)")
        }
        guard !Self.containsControlCharacter(value) else {
            throw BillingError.invalid(field, "\(field) must not contain control characters")
        }
    }

    /// Whether `text` has a control character (C0, DEL or C1), checked byte-wise for
    /// ASCII, which almost every identifier is.
    static func containsControlCharacter(_ text: String) -> Bool {
        var isASCII = true
        for byte in text.utf8 {
            if byte < 0x20 || byte == 0x7F { return true }
            if byte >= 0x80 { isASCII = false }
        }
        return !isASCII && text.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    private func measure(_ value: JSONValue, field: String) throws -> Int {
        do {
            return try CanonicalJSON.encodedSize(of: value, maxDepth: limits.maxJSONDepth)
        } catch var error as BillingError {
            error.field = field
            throw error
        }
    }
}
