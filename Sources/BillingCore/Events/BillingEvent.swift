public import Foundation

/// One billing fact: something that happened, stored durably and delivered to subscribers.
///
/// The specification's envelope (`id`, `type`, `payload`, `timestamp`, `tenantId`, `userId`,
/// `metadata`) plus what a durable bus needs: the entity the event is about, an
/// idempotency key, correlation and causation ids, a schema version and the
/// store-assigned ``sequence``.
///
/// Events are immutable values. Timestamps are kept at microsecond precision so an
/// event survives a round trip through its canonical JSON unchanged.
public struct BillingEvent: Sendable, Hashable, Identifiable {
    /// A UUID, time-ordered (UUIDv7) when Bilingus generates it.
    public var id: EventID { storage.id }
    /// What happened, for example `invoice.paid`.
    public var type: BillingEventType { storage.type }
    /// The event's data. Typed payloads are encoded here; see ``decodePayload(as:)``.
    public var payload: JSONValue { storage.payload }
    /// When it happened, in UTC, with microsecond precision.
    public var timestamp: Date { storage.timestamp }
    /// The tenant (organisation, account) it belongs to, if the host is multi-tenant.
    public var tenantId: String? { storage.tenantId }
    /// The user it concerns, if any.
    public var userId: String? { storage.userId }
    /// The entity it is about (an invoice id, a payment id); what `getEventsByEntity` finds.
    public var entityId: String? { storage.entityId }
    /// Free-form context: trace headers, request ids, source system.
    public var metadata: [String: JSONValue] { storage.metadata }
    /// Deduplicates publishes: a second event with the same tenant and key is not stored again.
    public var idempotencyKey: String? { storage.idempotencyKey }
    /// Groups the events of one business flow (a checkout, a billing run).
    public var correlationId: String? { storage.correlationId }
    /// The event that caused this one.
    public var causationId: EventID? { storage.causationId }
    /// The version of the payload's schema, for consumers that migrate old events.
    public var schemaVersion: Int { storage.schemaVersion }
    /// The position in the store, strictly increasing; `nil` until the event is stored.
    public var sequence: Int64? { storage.sequence }

    /// Events are immutable and passed around a lot (store, handlers, streams,
    /// subscribers): one shared box makes a copy a single retain instead of a dozen.
    private let storage: Storage

    private final class Storage: Sendable {
        let id: EventID
        let type: BillingEventType
        let payload: JSONValue
        let timestamp: Date
        let tenantId: String?
        let userId: String?
        let entityId: String?
        let metadata: [String: JSONValue]
        let idempotencyKey: String?
        let correlationId: String?
        let causationId: EventID?
        let schemaVersion: Int
        let sequence: Int64?
        let typedPayloadType: ObjectIdentifier?

        init(
            id: EventID, type: BillingEventType, payload: JSONValue, timestamp: Date,
            tenantId: String?, userId: String?, entityId: String?, metadata: [String: JSONValue],
            idempotencyKey: String?, correlationId: String?, causationId: EventID?,
            schemaVersion: Int, sequence: Int64?, typedPayloadType: ObjectIdentifier?
        ) {
            self.id = id
            self.type = type
            self.payload = payload
            self.timestamp = timestamp
            self.tenantId = tenantId
            self.userId = userId
            self.entityId = entityId
            self.metadata = metadata
            self.idempotencyKey = idempotencyKey
            self.correlationId = correlationId
            self.causationId = causationId
            self.schemaVersion = schemaVersion
            self.sequence = sequence
            self.typedPayloadType = typedPayloadType
        }
    }

    /// The payload struct the event was built from, if it was built from one: its
    /// payload is that struct's own encoding, so validation need not decode it again.
    /// Not part of equality: it says how the event was made, not what it is.
    package var typedPayloadType: ObjectIdentifier? { storage.typedPayloadType }

    public static func == (lhs: BillingEvent, rhs: BillingEvent) -> Bool {
        if lhs.storage === rhs.storage { return true }
        let (l, r) = (lhs.storage, rhs.storage)
        return l.id == r.id && l.type == r.type && l.sequence == r.sequence && l.timestamp == r.timestamp
            && l.tenantId == r.tenantId && l.userId == r.userId && l.entityId == r.entityId
            && l.idempotencyKey == r.idempotencyKey && l.correlationId == r.correlationId
            && l.causationId == r.causationId && l.schemaVersion == r.schemaVersion
            && l.metadata == r.metadata && l.payload == r.payload
    }

    public func hash(into hasher: inout Hasher) {
        // The id identifies an event; equal events always share it.
        hasher.combine(storage.id)
        hasher.combine(storage.sequence)
    }

    /// Creates an event with a JSON payload.
    ///
    /// The event is validated when it is published, against the bus's ``EventLimits``;
    /// the payload of a built-in type must also decode as that type's payload struct
    /// (see ``EventPayloadTypes``).
    public init(
        id: EventID? = nil,
        type: BillingEventType,
        payload: JSONValue = .object([:]),
        timestamp: Date = Date(),
        tenantId: String? = nil,
        userId: String? = nil,
        entityId: String? = nil,
        metadata: [String: JSONValue] = [:],
        idempotencyKey: String? = nil,
        correlationId: String? = nil,
        causationId: EventID? = nil,
        schemaVersion: Int = 1
    ) {
        self.init(
            id: id ?? EventID.generate(at: timestamp), type: type, payload: payload, timestamp: timestamp,
            tenantId: tenantId, userId: userId, entityId: entityId, metadata: metadata,
            idempotencyKey: idempotencyKey, correlationId: correlationId, causationId: causationId,
            schemaVersion: schemaVersion, sequence: nil
        )
    }

    /// Creates an event from a typed payload; the type comes from the payload.
    ///
    /// `entityId` and `userId` default to the payload's ``BillingEventPayload/eventEntityId`` and ``BillingEventPayload/eventUserId``.
    public init<Payload: BillingEventPayload>(
        _ payload: Payload,
        id: EventID? = nil,
        timestamp: Date = Date(),
        tenantId: String? = nil,
        userId: String? = nil,
        entityId: String? = nil,
        metadata: [String: JSONValue] = [:],
        idempotencyKey: String? = nil,
        correlationId: String? = nil,
        causationId: EventID? = nil
    ) throws {
        self.init(
            id: id ?? EventID.generate(at: timestamp), type: Payload.eventType, payload: try CanonicalJSON.value(from: payload),
            timestamp: timestamp, tenantId: tenantId, userId: userId ?? payload.eventUserId,
            entityId: entityId ?? payload.eventEntityId, metadata: metadata, idempotencyKey: idempotencyKey,
            correlationId: correlationId, causationId: causationId, schemaVersion: Payload.schemaVersion, sequence: nil,
            typedPayloadType: ObjectIdentifier(Payload.self)
        )
    }

    /// The memberwise initializer every other path ends in; it normalizes the timestamp.
    package init(
        id: EventID, type: BillingEventType, payload: JSONValue, timestamp: Date,
        tenantId: String?, userId: String?, entityId: String?, metadata: [String: JSONValue],
        idempotencyKey: String?, correlationId: String?, causationId: EventID?,
        schemaVersion: Int, sequence: Int64?, typedPayloadType: ObjectIdentifier? = nil
    ) {
        storage = Storage(
            id: id, type: type, payload: payload, timestamp: Timestamp.normalize(timestamp),
            tenantId: tenantId, userId: userId, entityId: entityId, metadata: metadata,
            idempotencyKey: idempotencyKey, correlationId: correlationId, causationId: causationId,
            schemaVersion: schemaVersion, sequence: sequence, typedPayloadType: typedPayloadType
        )
    }

    /// The same event with its store-assigned sequence.
    package func withSequence(_ sequence: Int64) -> BillingEvent {
        BillingEvent(
            id: id, type: type, payload: payload, timestamp: timestamp, tenantId: tenantId, userId: userId,
            entityId: entityId, metadata: metadata, idempotencyKey: idempotencyKey, correlationId: correlationId,
            causationId: causationId, schemaVersion: schemaVersion, sequence: sequence, typedPayloadType: typedPayloadType
        )
    }

    /// Decodes the payload as a typed payload.
    /// - Throws: ``BillingError`` coded `payload.mismatch` if the event's type is not
    ///   `Payload.eventType` or the payload does not decode.
    public func decodePayload<Payload: BillingEventPayload>(as _: Payload.Type = Payload.self) throws -> Payload {
        guard type == Payload.eventType else {
            throw BillingError(.payloadMismatch, "Event of type \(type) does not carry a \(Payload.self) payload", field: "type")
        }
        return try CanonicalJSON.decode(Payload.self, from: payload)
    }
}

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
        var object: [String: JSONValue] = [
            Key.id: .string(id.description),
            Key.type: .string(type.rawValue),
            Key.payload: payload,
            Key.timestamp: .string(Timestamp.format(timestamp)),
            Key.metadata: .object(metadata),
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
        guard let timestamp = Timestamp.parse(try required(Key.timestamp)) else {
            throw BillingError(.parseFailure, "Event timestamp is not ISO 8601", field: Key.timestamp)
        }
        var metadata: [String: JSONValue] = [:]
        switch object[Key.metadata] {
        case nil, .null?: break
        case .object(let value)?: metadata = value
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
            id: id, type: type, payload: object[Key.payload] ?? .null, timestamp: timestamp,
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
