/// Durable storage of billing events: the seed's `EventStore`, shaped for group
/// commit and streaming reads.
///
/// Implementations in BillingStore: `InMemoryEventStore` (tests) and SQLite (the
/// default); PostgreSQL follows. All of them pass one conformance suite, so they
/// have exactly the same semantics:
///
/// - ``append(_:)`` is atomic: every new event in the batch is stored, with strictly
///   increasing sequences, or none is.
/// - An event whose id is already stored, or whose `(tenantId, idempotencyKey)` is
///   already stored, is a duplicate: nothing is written for it and the stored event
///   comes back with ``AppendResult/isDuplicate`` set. A missing tenant counts as
///   one tenant of its own, so keys are unique per tenant and once among untenanted events.
///   Duplicates never fail the rest of the batch.
/// - Sequences start at 1, are unique and increase in commit order. Consumers must
///   not assume they are contiguous: a backend may leave gaps.
/// - Reads see only committed events.
///
/// Limits (payload size and so on) are enforced by the ``EventBus`` before events
/// reach the store; the store trusts what it is given beyond its own uniqueness rules.
public protocol EventStore: Sendable {
    /// Stores a batch atomically and returns one result per input, in input order.
    func append(_ events: [BillingEvent]) async throws -> [AppendResult]

    /// Reads the events matching `filters`, honouring their limit and order.
    func events(matching filters: EventFilters) async throws -> [BillingEvent]

    /// The event with this id, if stored.
    func event(id: EventID) async throws -> BillingEvent?

    /// The event stored under this tenant and idempotency key, if any.
    func event(tenantId: String?, idempotencyKey: String) async throws -> BillingEvent?

    /// The highest sequence stored, or 0 for an empty store.
    func headSequence() async throws -> Int64
}

// MARK: - The seed's operations

extension EventStore {
    /// Stores one event (the seed's `save`) and returns it as stored.
    ///
    /// If it is a duplicate, the earlier event comes back and nothing is written.
    @discardableResult
    public func save(_ event: BillingEvent) async throws -> BillingEvent {
        let results = try await append([event])
        return results[0].event
    }

    /// The events matching `filters` (the seed's `getEvents`).
    public func getEvents(_ filters: EventFilters = EventFilters()) async throws -> [BillingEvent] {
        try await events(matching: filters)
    }

    /// Every event of one type, oldest first (the seed's `getEventsByType`).
    ///
    /// For large histories prefer ``stream(_:batchSize:)`` or ``page(_:pageSize:after:)``.
    public func getEventsByType(_ type: BillingEventType, limit: Int? = nil) async throws -> [BillingEvent] {
        try await events(matching: EventFilters(types: [type], limit: limit))
    }

    /// Every event about one entity, oldest first (the seed's `getEventsByEntity`).
    public func getEventsByEntity(_ entityId: String, limit: Int? = nil) async throws -> [BillingEvent] {
        try await events(matching: EventFilters(entityId: entityId, limit: limit))
    }
}

// MARK: - Pagination and streaming

extension EventStore {
    /// Reads one page of at most `pageSize` events.
    ///
    /// Pass the returned ``EventPage/nextCursor`` back with the same filters to read
    /// the next page. The filters' own `limit` is ignored; `pageSize` replaces it.
    /// - Throws: ``BillingError`` coded `invalid.argument` if the cursor was made for
    ///   the other order or `pageSize` is not positive.
    public func page(_ filters: EventFilters = EventFilters(), pageSize: Int = 100, after cursor: EventCursor? = nil) async throws -> EventPage {
        guard pageSize >= 1 else {
            throw BillingError.invalid("pageSize", "pageSize must be at least 1")
        }
        var query = try filters.continuing(from: cursor)
        query.limit = pageSize + 1
        var events = try await events(matching: query)
        var next: EventCursor?
        if events.count > pageSize {
            events.removeLast(events.count - pageSize)
            next = events.last.flatMap { $0.sequence }.map { EventCursor(sequence: $0, order: filters.order) }
        }
        return EventPage(events: events, nextCursor: next)
    }

    /// Streams every matching event in batches, so a large range is never held in memory whole.
    ///
    /// Each batch is one indexed query continuing from the last sequence seen; events
    /// appended while streaming are included if they match and fall in the range.
    public func stream(_ filters: EventFilters = EventFilters(), batchSize: Int = 500) -> EventStream {
        EventStream(store: self, filters: filters, batchSize: max(1, batchSize))
    }
}

extension EventFilters {
    /// These filters narrowed to continue after `cursor`.
    package func continuing(from cursor: EventCursor?) throws -> EventFilters {
        try validate()
        guard let cursor else { return self }
        guard cursor.order == order else {
            throw BillingError.invalid("cursor", "The cursor was made for a \(cursor.order) read, but these filters read \(order)")
        }
        var filters = self
        switch order {
        case .ascending: filters.afterSequence = Swift.max(afterSequence ?? 0, cursor.sequence)
        case .descending: filters.beforeSequence = Swift.min(beforeSequence ?? .max, cursor.sequence)
        }
        return filters
    }
}

/// The events of a store read in batches; see ``EventStore/stream(_:batchSize:)``.
public struct EventStream: AsyncSequence, Sendable {
    public typealias Element = BillingEvent

    let store: any EventStore
    let filters: EventFilters
    let batchSize: Int

    public func makeAsyncIterator() -> Iterator {
        Iterator(store: store, filters: filters, batchSize: batchSize, remaining: filters.limit)
    }

    /// Reads the next batch when the current one is used up.
    public struct Iterator: AsyncIteratorProtocol {
        let store: any EventStore
        let filters: EventFilters
        let batchSize: Int
        var remaining: Int?
        var buffer: [BillingEvent] = []
        var bufferIndex = 0
        var cursor: EventCursor?
        var exhausted = false

        public mutating func next() async throws -> BillingEvent? {
            if bufferIndex == buffer.count {
                guard !exhausted, remaining.map({ $0 > 0 }) ?? true else { return nil }
                var query = try filters.continuing(from: cursor)
                query.limit = Swift.min(batchSize, remaining ?? .max)
                buffer = try await store.events(matching: query)
                bufferIndex = 0
                if buffer.count < query.limit ?? .max { exhausted = true }
                guard let last = buffer.last, let sequence = last.sequence else { return nil }
                cursor = EventCursor(sequence: sequence, order: filters.order)
            }
            let event = buffer[bufferIndex]
            bufferIndex += 1
            remaining = remaining.map { $0 - 1 }
            return event
        }
    }
}
