public import BillingCore
public import Foundation
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
public final class InMemoryEventStore: BillingStorage {
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
        var subscriptions: [String: SubscriptionState] = [:]
        var deadLetters: [Int64: DeadLetterRecord] = [:]
        var nextDeadLetterID: Int64 = 1
        var pluginRecords: [String: PluginRecord] = [:]
    }

    /// A dead letter as kept: the event by sequence, like the SQL backends.
    private struct DeadLetterRecord {
        let id: Int64
        let subscription: String
        let eventIndex: Int
        var attempts: Int
        var lastError: String
        let firstFailedAt: Date
        var lastFailedAt: Date
        var isRedeliveryRequested: Bool
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

    // MARK: - SubscriptionStore

    public func registerSubscription(name: String, patterns: [EventPattern], initialCursor: Int64, at date: Date) async throws -> SubscriptionState {
        let date = Timestamp.normalize(date)  // the precision SQL backends keep
        return state.withLock { state in
            if let existing = state.subscriptions[name] {
                guard existing.patterns != patterns else { return existing }
                let updated = SubscriptionState(
                    name: name, patterns: patterns, cursor: existing.cursor, isPaused: existing.isPaused,
                    createdAt: existing.createdAt, updatedAt: date
                )
                state.subscriptions[name] = updated
                return updated
            }
            let created = SubscriptionState(
                name: name, patterns: patterns, cursor: initialCursor, isPaused: false, createdAt: date, updatedAt: date
            )
            state.subscriptions[name] = created
            return created
        }
    }

    public func subscription(named name: String) async throws -> SubscriptionState? {
        state.withLock { $0.subscriptions[name] }
    }

    public func subscriptions() async throws -> [SubscriptionState] {
        state.withLock { $0.subscriptions.values.sorted { $0.name < $1.name } }
    }

    public func advanceCursor(of name: String, to sequence: Int64, at date: Date) async throws {
        let date = Timestamp.normalize(date)  // the precision SQL backends keep
        try update(name) { existing in
            guard sequence > existing.cursor else { return nil }
            return SubscriptionState(
                name: name, patterns: existing.patterns, cursor: sequence, isPaused: existing.isPaused,
                createdAt: existing.createdAt, updatedAt: date
            )
        }
    }

    public func setCursor(of name: String, to sequence: Int64, at date: Date) async throws {
        let date = Timestamp.normalize(date)  // the precision SQL backends keep
        try update(name) { existing in
            SubscriptionState(
                name: name, patterns: existing.patterns, cursor: sequence, isPaused: existing.isPaused,
                createdAt: existing.createdAt, updatedAt: date
            )
        }
    }

    public func setPaused(_ paused: Bool, subscription name: String, at date: Date) async throws {
        let date = Timestamp.normalize(date)  // the precision SQL backends keep
        try update(name) { existing in
            SubscriptionState(
                name: name, patterns: existing.patterns, cursor: existing.cursor, isPaused: paused,
                createdAt: existing.createdAt, updatedAt: date
            )
        }
    }

    /// Applies `change` to a subscription; a `nil` result leaves it as it is.
    private func update(_ name: String, _ change: (SubscriptionState) -> SubscriptionState?) throws {
        try state.withLock { state in
            guard let existing = state.subscriptions[name] else {
                throw BillingError(.notFound, "No durable subscription named '\(name)'", field: "name")
            }
            if let updated = change(existing) {
                state.subscriptions[name] = updated
            }
        }
    }

    public func addDeadLetter(
        subscription: String, eventSequence: Int64, attempts: Int, lastError: String, firstFailedAt: Date, lastFailedAt: Date
    ) async throws -> DeadLetter {
        let (firstFailedAt, lastFailedAt) = (Timestamp.normalize(firstFailedAt), Timestamp.normalize(lastFailedAt))
        return try state.withLock { state in
            guard state.subscriptions[subscription] != nil else {
                throw BillingError(.notFound, "No durable subscription named '\(subscription)'", field: "subscription")
            }
            let index = Int(eventSequence) - 1
            guard state.events.indices.contains(index) else {
                throw BillingError(.notFound, "No event with sequence \(eventSequence)", field: "eventSequence")
            }
            if let existing = state.deadLetters.values.first(where: { $0.subscription == subscription && $0.eventIndex == index }) {
                var record = existing
                record.attempts += attempts
                record.lastError = lastError
                record.lastFailedAt = lastFailedAt
                record.isRedeliveryRequested = false
                state.deadLetters[record.id] = record
                return Self.deadLetter(record, state)
            }
            let record = DeadLetterRecord(
                id: state.nextDeadLetterID, subscription: subscription, eventIndex: index, attempts: attempts,
                lastError: lastError, firstFailedAt: firstFailedAt, lastFailedAt: lastFailedAt, isRedeliveryRequested: false
            )
            state.nextDeadLetterID += 1
            state.deadLetters[record.id] = record
            return Self.deadLetter(record, state)
        }
    }

    public func deadLetters(subscription: String?, onlyRedeliveryRequested: Bool, afterID: Int64?, limit: Int) async throws -> [DeadLetter] {
        state.withLock { state in
            state.deadLetters.values
                .filter { record in
                    (subscription == nil || record.subscription == subscription)
                        && (!onlyRedeliveryRequested || record.isRedeliveryRequested)
                        && record.id > (afterID ?? 0)
                }
                .sorted { $0.id < $1.id }
                .prefix(max(0, limit))
                .map { Self.deadLetter($0, state) }
        }
    }

    public func deadLetter(id: Int64) async throws -> DeadLetter? {
        state.withLock { state in
            state.deadLetters[id].map { Self.deadLetter($0, state) }
        }
    }

    public func requestRedelivery(_ selection: DeadLetterSelection) async throws -> Int {
        state.withLock { state in
            let ids = Self.select(selection, state)
            for id in ids {
                state.deadLetters[id]?.isRedeliveryRequested = true
            }
            return ids.count
        }
    }

    public func recordFailedRedelivery(id: Int64, additionalAttempts: Int, lastError: String, at date: Date) async throws {
        let date = Timestamp.normalize(date)  // the precision SQL backends keep
        state.withLock { state in
            guard var record = state.deadLetters[id] else { return }
            record.attempts += additionalAttempts
            record.lastError = lastError
            record.lastFailedAt = date
            record.isRedeliveryRequested = false
            state.deadLetters[id] = record
        }
    }

    public func removeDeadLetters(_ selection: DeadLetterSelection) async throws -> Int {
        state.withLock { state in
            let ids = Self.select(selection, state)
            for id in ids {
                state.deadLetters.removeValue(forKey: id)
            }
            return ids.count
        }
    }

    public func deadLetterCount(subscription: String) async throws -> Int {
        state.withLock { state in
            state.deadLetters.values.count { $0.subscription == subscription }
        }
    }

    private static func select(_ selection: DeadLetterSelection, _ state: State) -> [Int64] {
        switch selection {
        case .ids(let ids): ids.filter { state.deadLetters[$0] != nil }
        case .subscription(let name): state.deadLetters.values.filter { $0.subscription == name }.map(\.id)
        }
    }

    private static func deadLetter(_ record: DeadLetterRecord, _ state: State) -> DeadLetter {
        DeadLetter(
            id: record.id, subscription: record.subscription, event: state.events[record.eventIndex],
            attempts: record.attempts, lastError: record.lastError, firstFailedAt: record.firstFailedAt,
            lastFailedAt: record.lastFailedAt, isRedeliveryRequested: record.isRedeliveryRequested
        )
    }

    // MARK: - PluginRecordStore

    public func savePluginRecord(_ record: PluginRecord) async throws {
        state.withLock { state in
            let existing = state.pluginRecords[record.name]
            let createdAt = existing?.createdAt ?? Timestamp.normalize(record.createdAt)
            state.pluginRecords[record.name] = PluginRecord(
                id: existing?.id ?? record.id, name: record.name, version: record.version, description: record.description, author: record.author,
                isActive: record.isActive, settings: record.settings, createdAt: createdAt, updatedAt: Timestamp.normalize(record.updatedAt)
            )
        }
    }

    public func pluginRecords() async throws -> [PluginRecord] {
        state.withLock { $0.pluginRecords.values.sorted { $0.name < $1.name } }
    }

    public func deletePluginRecord(named name: String) async throws -> Bool {
        state.withLock { $0.pluginRecords.removeValue(forKey: name) != nil }
    }
}
