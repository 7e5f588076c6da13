/// Reading stored events: filtered reads, lookups by id and idempotency key, pages and
/// streams. Every ``EventStore`` is one; plugins get a reader, never the store itself.
public protocol EventReader: Sendable {
    /// The events matching `filters`, honouring their limit and order.
    func events(matching filters: EventFilters) async throws -> [BillingEvent]

    /// The event with this id, if stored.
    func event(id: EventID) async throws -> BillingEvent?

    /// The event stored under this tenant and idempotency key, if any.
    func event(tenantId: String?, idempotencyKey: String) async throws -> BillingEvent?

    /// The highest sequence stored, or 0 for an empty store.
    func headSequence() async throws -> Int64
}

// MARK: - Scoped reads

extension EventReader {
    /// One entity's events, oldest first (the specification's `getEventsByEntity`).
    ///
    /// `tenant` has no default: a multi-tenant host says whose history it reads.
    public func events(forEntity entityId: String, tenant: TenantScope, limit: Int? = nil) async throws -> [BillingEvent] {
        try await events(matching: EventFilters(tenant: tenant, entityId: entityId, limit: limit))
    }

    /// The events of one type, oldest first (the specification's `getEventsByType`).
    ///
    /// For large histories prefer ``stream(_:batchSize:)`` or ``page(_:pageSize:after:)``.
    public func events(ofType type: BillingEventType, tenant: TenantScope, limit: Int? = nil) async throws -> [BillingEvent] {
        try await events(matching: EventFilters(types: [type], tenant: tenant, limit: limit))
    }
}

// MARK: - Pagination and streaming

extension EventReader {
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
        EventStream(reader: self, filters: filters, batchSize: max(1, batchSize))
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

/// The events of a reader, read in batches; see ``EventReader/stream(_:batchSize:)``.
public struct EventStream: AsyncSequence, Sendable {
    public typealias Element = BillingEvent

    let reader: any EventReader
    let filters: EventFilters
    let batchSize: Int

    public func makeAsyncIterator() -> Iterator {
        Iterator(reader: reader, filters: filters, batchSize: batchSize, remaining: filters.limit)
    }

    /// Reads the next batch when the current one is used up.
    public struct Iterator: AsyncIteratorProtocol {
        let reader: any EventReader
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
                buffer = try await reader.events(matching: query)
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

/// A reader that is only a reader: plugins get one, so they cannot reach the store
/// behind it (append, cursors, dead letters) by casting.
struct ReadOnlyEvents: EventReader {
    private let reader: any EventReader

    init(_ reader: any EventReader) {
        self.reader = reader
    }

    func events(matching filters: EventFilters) async throws -> [BillingEvent] {
        try await reader.events(matching: filters)
    }

    func event(id: EventID) async throws -> BillingEvent? {
        try await reader.event(id: id)
    }

    func event(tenantId: String?, idempotencyKey: String) async throws -> BillingEvent? {
        try await reader.event(tenantId: tenantId, idempotencyKey: idempotencyKey)
    }

    func headSequence() async throws -> Int64 {
        try await reader.headSequence()
    }
}
