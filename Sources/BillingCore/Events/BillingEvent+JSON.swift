// MARK: - Canonical JSON envelope

extension BillingEvent: Codable {
    private enum Key {
        static let id = "id", type = "type", payload = "payload", timestamp = "timestamp"
        static let tenantId = "tenantId", userId = "userId", entityId = "entityId", metadata = "metadata"
        static let idempotencyKey = "idempotencyKey", correlationId = "correlationId", causationId = "causationId"
        static let schemaVersion = "schemaVersion", sequence = "sequence"
    }

    /// The event as a JSON object; absent optionals are left out.
    public var jsonValue: JSONValue {
        var object: JSONObject = [
            Key.id: .string(id.description),
            Key.type: .string(type.rawValue),
            Key.payload: payload,
            Key.timestamp: .string(Timestamp.format(microseconds: timestampMicroseconds)),
            Key.metadata: .object(JSONObject(metadata)),
            Key.schemaVersion: .int(Int64(schemaVersion)),
        ]
        if let tenantId { object[Key.tenantId] = .string(tenantId) }
        if let userId { object[Key.userId] = .string(userId) }
        if let entityId { object[Key.entityId] = .string(entityId) }
        if let idempotencyKey { object[Key.idempotencyKey] = .string(idempotencyKey) }
        if let correlationId { object[Key.correlationId] = .string(correlationId) }
        if let causationId { object[Key.causationId] = .string(causationId.description) }
        if let sequence { object[Key.sequence] = .int(sequence) }
        return .object(object)
    }

    /// The event's canonical JSON bytes: the same event always gives the same bytes.
    public var canonicalJSON: [UInt8] {
        CanonicalJSON.encode(jsonValue)
    }

    /// Reads an event from its JSON envelope.
    /// - Throws: ``BillingError`` coded `parse.failure` naming the missing or malformed field.
    public init(json: JSONValue) throws {
        guard case .object(let object) = json else {
            throw BillingError(.parseFailure, "An event must be a JSON object", field: "event")
        }
        func string(_ key: String) throws -> String? {
            switch object[key] {
            case nil, .null?: return nil
            case .string(let value)?: return value
            default: throw BillingError(.parseFailure, "Event field must be a string", field: key)
            }
        }
        func required(_ key: String) throws -> String {
            guard let value = try string(key) else {
                throw BillingError(.parseFailure, "Event field is missing", field: key)
            }
            return value
        }
        guard let id = EventID(try required(Key.id)) else {
            throw BillingError(.parseFailure, "Event id is not a UUID", field: Key.id)
        }
        let type = try BillingEventType(try required(Key.type))
        guard let timestamp = Timestamp.parseMicroseconds(try required(Key.timestamp)) else {
            throw BillingError(.parseFailure, "Event timestamp is not ISO 8601 in the years 0000 to 9999", field: Key.timestamp)
        }
        var metadata: [String: JSONValue] = [:]
        switch object[Key.metadata] {
        case nil, .null?: break
        case .object(let value)?:
            guard let unique = value.uniqueDictionary else {
                throw BillingError(.parseFailure, "Event metadata keys must differ beyond Unicode normalization", field: Key.metadata)
            }
            metadata = unique
        default: throw BillingError(.parseFailure, "Event metadata must be an object", field: Key.metadata)
        }
        var causationId: EventID?
        if let text = try string(Key.causationId) {
            guard let parsed = EventID(text) else {
                throw BillingError(.parseFailure, "Causation id is not a UUID", field: Key.causationId)
            }
            causationId = parsed
        }
        var schemaVersion = 1
        switch object[Key.schemaVersion] {
        case nil: break
        case .int(let value)? where value >= 1 && value <= Int64(Int32.max): schemaVersion = Int(value)
        default: throw BillingError(.parseFailure, "Schema version must be a positive integer", field: Key.schemaVersion)
        }
        var sequence: Int64?
        switch object[Key.sequence] {
        case nil, .null?: break
        case .int(let value)?: sequence = value
        default: throw BillingError(.parseFailure, "Sequence must be an integer", field: Key.sequence)
        }
        self.init(
            id: id, type: type, payload: object[Key.payload] ?? .null, timestampMicroseconds: timestamp,
            tenantId: try string(Key.tenantId), userId: try string(Key.userId), entityId: try string(Key.entityId),
            metadata: metadata, idempotencyKey: try string(Key.idempotencyKey),
            correlationId: try string(Key.correlationId), causationId: causationId,
            schemaVersion: schemaVersion, sequence: sequence
        )
    }

    /// Reads an event from canonical (or any valid) JSON bytes.
    public init(canonicalJSON bytes: some Collection<UInt8>) throws {
        try self.init(json: CanonicalJSON.decode(bytes))
    }

    public init(from decoder: any Decoder) throws {
        try self.init(json: JSONValue(from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try jsonValue.encode(to: encoder)
    }
}
