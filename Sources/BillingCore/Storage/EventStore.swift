/// Durable storage of billing events: the specification's `EventStore`, shaped for
/// group commit and streaming reads.
///
/// Implementations: `InMemoryEventStore` (tests) and `SQLiteEventStore` (the default)
/// in BillingStore; PostgreSQL follows. Every one of them passes the
/// `BillingStorageConformance` suite, so they have exactly the same semantics:
///
/// - ``append(_:)`` is atomic: every new event in the batch is stored, with strictly
///   increasing sequences, or none is.
/// - An event whose id is already stored, or whose `(tenantId, idempotencyKey)` is
///   already stored with the same type and payload, is a duplicate: nothing is written
///   for it and the stored event comes back with ``StoredEvent/isDuplicate`` set. A
///   missing tenant counts as one tenant of its own. Duplicates never fail the batch.
/// - The same key (or id) with a different type or payload is a conflict: the batch
///   fails with `idempotency.conflict` and nothing is stored, as Stripe answers a
///   reused `Idempotency-Key` with different parameters.
/// - Sequences start at 1, are unique and increase in commit order. Consumers must
///   not assume they are contiguous: a backend may leave gaps.
/// - Reads see only committed events.
///
/// Limits and payload schemas are enforced by the ``EventBus`` before events reach the
/// store; the store trusts what it is given beyond its own uniqueness rules.
public protocol EventStore: EventReader {
    /// Stores a batch atomically and returns one result per input, in input order.
    func append(_ events: [BillingEvent]) async throws -> [StoredEvent]

    /// Releases the store's connections and files. Later calls fail with `shut_down`.
    /// Calling it again does nothing.
    func close() async throws
}

extension EventStore {
    /// Whether `offered` repeats `stored` (the same idempotency key or id) with the
    /// same content: the type, the payload, the entity and the user.
    ///
    /// Timestamps, ids and metadata may differ between two tries of one publish (trace
    /// context travels in the metadata); what the event says may not.
    package static func isSameContent(_ offered: BillingEvent, as stored: BillingEvent) -> Bool {
        offered.type == stored.type && offered.hasSamePayload(as: stored)
            && offered.entityId == stored.entityId && offered.userId == stored.userId
    }

    /// The error for an idempotency key (or id) reused with different content.
    package static func idempotencyConflict(_ offered: BillingEvent, _ stored: BillingEvent) -> BillingError {
        let what = offered.id == stored.id ? "Event id \(offered.id) is" : "Idempotency key '\(offered.idempotencyKey ?? "")' is"
        return BillingError(
            .idempotencyConflict,
            "\(what) already stored (sequence \(stored.sequence ?? 0), type \(stored.type)) with a different type, payload, entity or user; nothing was stored",
            field: offered.id == stored.id ? "id" : "idempotencyKey"
        )
    }
}
