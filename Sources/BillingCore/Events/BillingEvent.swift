public import Foundation

/// One billing fact: something that happened, stored durably and delivered to subscribers.
///
/// The specification's envelope (`id`, `type`, `payload`, `timestamp`, `tenantId`, `userId`,
/// `metadata`) plus what a durable bus needs: the entity the event is about, an
/// idempotency key, correlation and causation ids, a schema version and the
/// store-assigned ``sequence``.
///
/// Events are immutable values. Timestamps are kept as whole microseconds since the
/// Unix epoch (``timestampMicroseconds``), so an event survives a round trip through
/// its canonical JSON or a store unchanged, in any year from 0000 to 9999.
public struct BillingEvent: Sendable, Hashable, Identifiable {
    /// A UUID, time-ordered (UUIDv7) when Bilingus generates it.
    public var id: EventID { storage.id }
    /// What happened, for example `invoice.paid`.
    public var type: BillingEventType { storage.type }
    /// The event's data. Typed payloads are encoded here; see ``decodePayload(as:)``.
    ///
    /// An event read from a store parses its stored canonical JSON the first time this
    /// is read; should those bytes be unreadable, it is `.null` and
    /// ``decodePayload(as:)`` throws `storage.corrupt`.
    public var payload: JSONValue { storage.content.payload }
    /// When it happened, in UTC: the nearest `Date` to ``timestampMicroseconds`` (a
    /// `Date` cannot hold every microsecond after the 22nd century).
    public var timestamp: Date { Timestamp.date(microseconds: storage.timestampMicroseconds) }
    /// When it happened: microseconds since 1970-01-01T00:00:00Z, exactly as stored and
    /// written in the canonical JSON.
    public var timestampMicroseconds: Int64 { storage.timestampMicroseconds }
    /// The tenant (organisation, account) it belongs to, if the host is multi-tenant.
    public var tenantId: String? { storage.tenantId }
    /// The user it concerns, if any.
    public var userId: String? { storage.userId }
    /// The entity it is about (an invoice id, a payment id); what `getEventsByEntity` finds.
    public var entityId: String? { storage.entityId }
    /// Free-form context: trace headers, request ids, source system.
    public var metadata: [String: JSONValue] { storage.content.metadata }
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
        /// Payload and metadata, parsed or encoded on demand.
        let content: EventContent
        let timestampMicroseconds: Int64
        let tenantId: String?
        let userId: String?
        let entityId: String?
        let idempotencyKey: String?
        let correlationId: String?
        let causationId: EventID?
        let schemaVersion: Int
        let sequence: Int64?
        let typedPayloadType: ObjectIdentifier?

        init(
            id: EventID, type: BillingEventType, content: EventContent, timestampMicroseconds: Int64,
            tenantId: String?, userId: String?, entityId: String?,
            idempotencyKey: String?, correlationId: String?, causationId: EventID?,
            schemaVersion: Int, sequence: Int64?, typedPayloadType: ObjectIdentifier?
        ) {
            self.id = id
            self.type = type
            self.content = content
            self.timestampMicroseconds = timestampMicroseconds
            self.tenantId = tenantId
            self.userId = userId
            self.entityId = entityId
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
        return l.id == r.id && l.type == r.type && l.sequence == r.sequence
            && l.timestampMicroseconds == r.timestampMicroseconds
            && l.tenantId == r.tenantId && l.userId == r.userId && l.entityId == r.entityId
            && l.idempotencyKey == r.idempotencyKey && l.correlationId == r.correlationId
            && l.causationId == r.causationId && l.schemaVersion == r.schemaVersion
            && l.content.hasSameMetadata(as: r.content) && l.content.hasSamePayload(as: r.content)
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
    /// (see ``EventPayloadTypes``), and the timestamp must be finite and in the years
    /// 0000 to 9999. The timestamp is kept to the nearest microsecond. A generated id
    /// comes from the wall clock, whatever `timestamp` says.
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
            id: id ?? EventID.generate(), type: type, payload: payload, timestampMicroseconds: Timestamp.microseconds(timestamp),
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
            id: id ?? EventID.generate(), type: Payload.eventType, payload: try CanonicalJSON.value(from: payload),
            timestampMicroseconds: Timestamp.microseconds(timestamp), tenantId: tenantId, userId: userId ?? payload.eventUserId,
            entityId: entityId ?? payload.eventEntityId, metadata: metadata, idempotencyKey: idempotencyKey,
            correlationId: correlationId, causationId: causationId, schemaVersion: Payload.schemaVersion, sequence: nil,
            typedPayloadType: ObjectIdentifier(Payload.self)
        )
    }

    /// The memberwise initializer of a JSON payload.
    package init(
        id: EventID, type: BillingEventType, payload: JSONValue, timestampMicroseconds: Int64,
        tenantId: String?, userId: String?, entityId: String?, metadata: [String: JSONValue],
        idempotencyKey: String?, correlationId: String?, causationId: EventID?,
        schemaVersion: Int, sequence: Int64?, typedPayloadType: ObjectIdentifier? = nil
    ) {
        self.init(
            id: id, type: type, content: EventContent(payload: payload, metadata: metadata), timestampMicroseconds: timestampMicroseconds,
            tenantId: tenantId, userId: userId, entityId: entityId,
            idempotencyKey: idempotencyKey, correlationId: correlationId, causationId: causationId,
            schemaVersion: schemaVersion, sequence: sequence, typedPayloadType: typedPayloadType
        )
    }

    /// An event read from a store: the canonical bytes of its payload and metadata are
    /// parsed only when ``payload`` or ``metadata`` is first read.
    package init(
        id: EventID, type: BillingEventType, canonicalPayload: [UInt8], timestampMicroseconds: Int64,
        tenantId: String?, userId: String?, entityId: String?, canonicalMetadata: [UInt8],
        idempotencyKey: String?, correlationId: String?, causationId: EventID?,
        schemaVersion: Int, sequence: Int64?
    ) {
        self.init(
            id: id, type: type, content: EventContent(canonicalPayload: canonicalPayload, canonicalMetadata: canonicalMetadata),
            timestampMicroseconds: timestampMicroseconds, tenantId: tenantId, userId: userId, entityId: entityId,
            idempotencyKey: idempotencyKey, correlationId: correlationId, causationId: causationId,
            schemaVersion: schemaVersion, sequence: sequence, typedPayloadType: nil
        )
    }

    /// The memberwise initializer every other path ends in.
    private init(
        id: EventID, type: BillingEventType, content: EventContent, timestampMicroseconds: Int64,
        tenantId: String?, userId: String?, entityId: String?,
        idempotencyKey: String?, correlationId: String?, causationId: EventID?,
        schemaVersion: Int, sequence: Int64?, typedPayloadType: ObjectIdentifier?
    ) {
        storage = Storage(
            id: id, type: type, content: content, timestampMicroseconds: timestampMicroseconds,
            tenantId: tenantId, userId: userId, entityId: entityId,
            idempotencyKey: idempotencyKey, correlationId: correlationId, causationId: causationId,
            schemaVersion: schemaVersion, sequence: sequence, typedPayloadType: typedPayloadType
        )
    }

    /// The same event with its store-assigned sequence (sharing its payload's and metadata's forms).
    package func withSequence(_ sequence: Int64) -> BillingEvent {
        BillingEvent(
            id: id, type: type, content: storage.content, timestampMicroseconds: timestampMicroseconds, tenantId: tenantId,
            userId: userId, entityId: entityId, idempotencyKey: idempotencyKey, correlationId: correlationId,
            causationId: causationId, schemaVersion: schemaVersion, sequence: sequence, typedPayloadType: typedPayloadType
        )
    }

    /// The same event with `entries` merged into its metadata (entries win).
    package func addingMetadata(_ entries: [String: JSONValue]) -> BillingEvent {
        guard !entries.isEmpty else { return self }
        return BillingEvent(
            id: id, type: type, content: storage.content.replacingMetadata(metadata.merging(entries) { _, new in new }),
            timestampMicroseconds: timestampMicroseconds, tenantId: tenantId, userId: userId, entityId: entityId,
            idempotencyKey: idempotencyKey, correlationId: correlationId, causationId: causationId,
            schemaVersion: schemaVersion, sequence: sequence, typedPayloadType: typedPayloadType
        )
    }

    /// Whether the two payloads are equal, compared as bytes when both are known (a
    /// stored event's payload is then not parsed).
    package func hasSamePayload(as other: BillingEvent) -> Bool {
        storage.content.hasSamePayload(as: other.storage.content)
    }

    /// The payload's canonical JSON bytes: those validation encoded (or the store
    /// read), encoded now only if neither happened. What stores write.
    package var canonicalPayload: [UInt8] { storage.content.canonicalPayload }

    /// The metadata's canonical JSON bytes (an object), as stores write them.
    package var canonicalMetadata: [UInt8] { storage.content.canonicalMetadata }

    /// Validates and encodes the payload in one pass, keeping the bytes for the store.
    /// - Throws: as ``CanonicalJSON/encode(_:maxDepth:)``.
    package func encodeCanonicalPayload(maxDepth: Int) throws -> [UInt8] {
        storage.content.rememberPayload(try CanonicalJSON.encode(storage.content.payload, maxDepth: maxDepth))
    }

    /// Decodes the payload as a typed payload.
    /// - Throws: ``BillingError`` coded `payload.mismatch` if the event's type is not
    ///   `Payload.eventType` or the payload does not decode; `storage.corrupt` if the
    ///   stored payload is unreadable.
    public func decodePayload<Payload: BillingEventPayload>(as _: Payload.Type = Payload.self) throws -> Payload {
        guard type == Payload.eventType else {
            throw BillingError(.payloadMismatch, "Event of type \(type) does not carry a \(Payload.self) payload", field: "type")
        }
        if let unreadable = storage.content.payloadError { throw unreadable }
        return try CanonicalJSON.decode(Payload.self, from: payload)
    }
}

