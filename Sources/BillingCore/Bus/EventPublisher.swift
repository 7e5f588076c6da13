/// Publishing events: what the ``EventBus`` does, and all a plugin may do to the bus.
public protocol EventPublisher: Sendable {
    /// Publishes a batch atomically: every new event is stored, or none is.
    ///
    /// Returns one result per event, in input order; a duplicate comes back as the
    /// event stored earlier, marked ``StoredEvent/isDuplicate``.
    @discardableResult
    func publish(_ events: [BillingEvent]) async throws -> [StoredEvent]

    /// The time of day typed publishes are stamped with.
    var wallClock: WallClock { get }
}

extension EventPublisher {
    /// Publishes one event and returns it as stored, with its sequence.
    @discardableResult
    public func publish(_ event: BillingEvent) async throws -> StoredEvent {
        try await publish([event])[0]
    }

    /// Publishes a typed payload; its type, entity and user come from the payload and
    /// the timestamp from ``wallClock``.
    @discardableResult
    public func publish<Payload: BillingEventPayload>(
        _ payload: Payload,
        tenantId: String? = nil,
        userId: String? = nil,
        entityId: String? = nil,
        metadata: [String: JSONValue] = [:],
        idempotencyKey: String? = nil,
        correlationId: String? = nil,
        causationId: EventID? = nil
    ) async throws -> StoredEvent {
        let event = try BillingEvent(
            payload, timestamp: wallClock.now(), tenantId: tenantId, userId: userId, entityId: entityId,
            metadata: metadata, idempotencyKey: idempotencyKey, correlationId: correlationId, causationId: causationId
        )
        return try await publish(event)
    }
}

/// A publisher that is only a publisher: what plugins get, so they cannot reach the
/// bus behind it (inline subscriptions, live streams) by casting.
struct ScopedPublisher: EventPublisher {
    private let publisher: any EventPublisher

    init(_ publisher: any EventPublisher) {
        self.publisher = publisher
    }

    func publish(_ events: [BillingEvent]) async throws -> [StoredEvent] {
        try await publisher.publish(events)
    }

    var wallClock: WallClock { publisher.wallClock }
}
