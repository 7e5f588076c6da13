public import BillingCore
import Foundation

/// An event store in process memory, for tests and throwaway tools.
///
/// It has exactly the semantics of the SQLite store (`BillingStorageConformance` runs
/// against both): atomic batches, gap-free sequences from 1, deduplication by id and by
/// `(tenantId, idempotencyKey)`, conflicts, the same filter rules, leases with fencing,
/// attempt records, dead letters, plugin records and plugin state. Everything is lost
/// when the process ends; secrets are kept as they are given (sealed by the engine).
///
/// Safe under concurrency: one lock guards the state, and every operation is a short
/// critical section with no suspension inside it.
public final class InMemoryEventStore: BillingStorage {
    struct IdempotencyKey: Hashable {
        let tenantId: String?
        let key: String
    }

    struct State {
        /// Events in sequence order; the event at index `i` has sequence `i + 1`.
        var events: [BillingEvent] = []
        var indexByID: [EventID: Int] = [:]
        var indexByIdempotencyKey: [IdempotencyKey: Int] = [:]
        var indicesByEntity: [String: [Int]] = [:]
        var subscriptions: [String: SubscriptionRow] = [:]
        var attempts: [String: [Int64: DeliveryAttempt]] = [:]
        var deadLetters: [Int64: DeadLetterRecord] = [:]
        var nextDeadLetterID: Int64 = 1
        var pluginRecords: [String: PluginRecord] = [:]
        var webhookEndpoints: [String: WebhookEndpointRecord] = [:]
        var webhookMessages: [String: WebhookMessageRecord] = [:]
        var webhookAttempts: [String: [WebhookAttemptRecord]] = [:]
        var auditHeads: [String: AuditChainHead] = [:]
        var auditEntries: [String: [AuditEntryRecord]] = [:]
        var auditCheckpoints: [String: [AuditCheckpointRecord]] = [:]
        var pluginState: [String: [String: PluginStateEntry]] = [:]
        var lastPluginStateVersion: Int64 = 0
        var closed = false
    }

    /// A subscription as kept: its state plus the lease token, which outlives a lease.
    struct SubscriptionRow {
        var state: SubscriptionState
        var token: Int64 = 0
    }

    /// A dead letter as kept: the event by sequence, like the SQL backends.
    struct DeadLetterRecord {
        let id: Int64
        let subscription: String
        let eventIndex: Int
        var attempts: Int
        var lastError: String
        let firstFailedAt: Date
        var lastFailedAt: Date
        var isRedeliveryRequested: Bool
    }

    let state = Locked(State())

    /// Creates an empty store.
    public init() {}

    /// Runs `body` on the state, or fails with `shut_down` once the store is closed.
    func withState<Value>(_ body: (inout State) throws -> Value) throws -> Value {
        try state.withLock { state in
            guard !state.closed else { throw BillingError(.shutDown, "The in-memory store is closed") }
            return try body(&state)
        }
    }

    public func append(_ events: [BillingEvent]) async throws -> [StoredEvent] {
        try withState { state in
            // Checked first, so a conflict anywhere in the batch stores nothing.
            var staged = state
            var results: [StoredEvent] = []
            results.reserveCapacity(events.count)
            for event in events {
                let idempotencyKey = event.idempotencyKey.map { IdempotencyKey(tenantId: event.tenantId, key: $0) }
                if let index = staged.indexByID[event.id] ?? idempotencyKey.flatMap({ staged.indexByIdempotencyKey[$0] }) {
                    let stored = staged.events[index]
                    guard Self.isSameContent(event, as: stored) else { throw Self.idempotencyConflict(event, stored) }
                    results.append(StoredEvent(event: stored, isDuplicate: true))
                    continue
                }
                let index = staged.events.count
                let stored = event.withSequence(Int64(index + 1))
                staged.events.append(stored)
                staged.indexByID[stored.id] = index
                if let idempotencyKey {
                    staged.indexByIdempotencyKey[idempotencyKey] = index
                }
                if let entityId = stored.entityId {
                    staged.indicesByEntity[entityId, default: []].append(index)
                }
                results.append(StoredEvent(event: stored, isDuplicate: false))
            }
            state = staged
            return results
        }
    }

    public func events(matching filters: EventFilters) async throws -> [BillingEvent] {
        try filters.validate()
        return try withState { state in
            let limit = filters.limit ?? .max
            var matched: [BillingEvent] = []
            /// Collects matching events until the limit is reached.
            func scan(_ indices: some Sequence<Int>) {
                for index in indices {
                    let event = state.events[index]
                    guard filters.matches(event) else { continue }
                    matched.append(event)
                    if matched.count >= limit { return }
                }
            }
            if let entityId = filters.entityId {
                // The entity index plays the part of SQLite's entity index.
                let indices = state.indicesByEntity[entityId] ?? []
                switch filters.order {
                case .ascending: scan(indices)
                case .descending: scan(indices.reversed())
                }
            } else {
                // Sequences are index + 1, so the sequence bounds are an index range.
                let lower = Int(clamping: filters.afterSequence ?? 0)
                let upper = Int(clamping: min(Int64(state.events.count), (filters.beforeSequence ?? .max) - 1))
                guard lower < upper else { return [] }
                switch filters.order {
                case .ascending: scan(lower..<upper)
                case .descending: scan((lower..<upper).reversed())
                }
            }
            return matched
        }
    }

    public func event(id: EventID) async throws -> BillingEvent? {
        try withState { state in
            state.indexByID[id].map { state.events[$0] }
        }
    }

    public func event(tenantId: String?, idempotencyKey: String) async throws -> BillingEvent? {
        try withState { state in
            state.indexByIdempotencyKey[IdempotencyKey(tenantId: tenantId, key: idempotencyKey)].map { state.events[$0] }
        }
    }

    public func headSequence() async throws -> Int64 {
        try withState { Int64($0.events.count) }
    }

    /// Drops everything; later calls fail with `shut_down`.
    public func close() async throws {
        state.withLock { state in
            state = State()
            state.closed = true
        }
    }
}
