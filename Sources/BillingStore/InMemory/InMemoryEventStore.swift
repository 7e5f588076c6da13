public import BillingCore
import Synchronization

/// An event store in process memory, for tests and throwaway tools.
///
/// It has exactly the semantics of the SQLite store (the conformance suite runs
/// against both): atomic batches, gap-free sequences from 1, deduplication by id
/// and by `(tenantId, idempotencyKey)`, and the same filter rules. Everything is
/// lost when the process ends.
///
/// Safe under concurrency: one lock guards the state, and every operation is a
/// short critical section with no suspension inside it.
public final class InMemoryEventStore: EventStore {
    private struct IdempotencyKey: Hashable {
        let tenantId: String?
        let key: String
    }

    private struct State {
        /// Events in sequence order; the event at index `i` has sequence `i + 1`.
        var events: [BillingEvent] = []
        var indexByID: [EventID: Int] = [:]
        var indexByIdempotencyKey: [IdempotencyKey: Int] = [:]
        var indicesByEntity: [String: [Int]] = [:]
    }

    private let state = Mutex(State())

    /// Creates an empty store.
    public init() {}

    public func append(_ events: [BillingEvent]) async throws -> [AppendResult] {
        state.withLock { state in
            var results: [AppendResult] = []
            results.reserveCapacity(events.count)
            for event in events {
                if let index = state.indexByID[event.id] {
                    results.append(AppendResult(event: state.events[index], isDuplicate: true))
                    continue
                }
                let idempotencyKey = event.idempotencyKey.map { IdempotencyKey(tenantId: event.tenantId, key: $0) }
                if let idempotencyKey, let index = state.indexByIdempotencyKey[idempotencyKey] {
                    results.append(AppendResult(event: state.events[index], isDuplicate: true))
                    continue
                }
                let index = state.events.count
                let stored = event.withSequence(Int64(index + 1))
                state.events.append(stored)
                state.indexByID[stored.id] = index
                if let idempotencyKey {
                    state.indexByIdempotencyKey[idempotencyKey] = index
                }
                if let entityId = stored.entityId {
                    state.indicesByEntity[entityId, default: []].append(index)
                }
                results.append(AppendResult(event: stored, isDuplicate: false))
            }
            return results
        }
    }

    public func events(matching filters: EventFilters) async throws -> [BillingEvent] {
        try filters.validate()
        return state.withLock { state in
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
        state.withLock { state in
            state.indexByID[id].map { state.events[$0] }
        }
    }

    public func event(tenantId: String?, idempotencyKey: String) async throws -> BillingEvent? {
        state.withLock { state in
            state.indexByIdempotencyKey[IdempotencyKey(tenantId: tenantId, key: idempotencyKey)].map { state.events[$0] }
        }
    }

    public func headSequence() async throws -> Int64 {
        state.withLock { Int64($0.events.count) }
    }
}
