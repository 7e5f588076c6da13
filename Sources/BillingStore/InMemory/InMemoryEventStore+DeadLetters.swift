public import BillingCore
public import Foundation

/// Dead letters, recorded once per subscription and event, with the SQL backends' semantics.
extension InMemoryEventStore {
    public func addDeadLetter(
        _ attempt: DeliveryAttempt, lastError: String, firstFailedAt: Date, lastFailedAt: Date, lease: SubscriptionLease
    ) async throws -> DeadLetter {
        var letter: DeadLetter?
        try fenced(lease) { _, state in
            let index = Int(attempt.sequence) - 1
            guard state.events.indices.contains(index) else {
                throw BillingError(.notFound, "No event with sequence \(attempt.sequence) to dead-letter", field: "sequence")
            }
            var settled = Self.normalized(attempt)
            settled.isDeadLettered = true
            settled.nextAttemptAt = nil
            state.attempts[attempt.subscription, default: [:]][attempt.sequence] = settled
            // A dead letter already on record (written just before a crash) stays as it is.
            if let existing = state.deadLetters.values.first(where: { $0.subscription == attempt.subscription && $0.eventIndex == index }) {
                letter = Self.deadLetter(existing, state)
                return
            }
            let record = DeadLetterRecord(
                id: state.nextDeadLetterID, subscription: attempt.subscription, eventIndex: index, attempts: attempt.attempts,
                lastError: lastError, firstFailedAt: Timestamp.normalize(firstFailedAt), lastFailedAt: Timestamp.normalize(lastFailedAt),
                isRedeliveryRequested: false
            )
            state.nextDeadLetterID += 1
            state.deadLetters[record.id] = record
            letter = Self.deadLetter(record, state)
        }
        return letter!
    }

    public func deadLetters(subscription: String?, onlyRedeliveryRequested: Bool, afterID: Int64?, limit: Int) async throws -> [DeadLetter] {
        try withState { state in
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
        try withState { state in
            state.deadLetters[id].map { Self.deadLetter($0, state) }
        }
    }

    public func requestRedelivery(_ selection: DeadLetterSelection) async throws -> Int {
        try withState { state in
            let ids = Self.select(selection, state)
            for id in ids {
                state.deadLetters[id]?.isRedeliveryRequested = true
            }
            return ids.count
        }
    }

    public func beginRedelivery(id: Int64, at date: Date) async throws -> DeadLetter? {
        try withState { state in
            guard var record = state.deadLetters[id], record.isRedeliveryRequested else { return nil }
            record.isRedeliveryRequested = false
            record.attempts += 1
            record.lastFailedAt = Timestamp.normalize(date)
            record.lastError = "A redelivery started; the process ended before it finished"
            state.deadLetters[id] = record
            return Self.deadLetter(record, state)
        }
    }

    public func recordFailedRedelivery(id: Int64, lastError: String, at date: Date) async throws {
        try withState { state in
            state.deadLetters[id]?.lastError = lastError
            state.deadLetters[id]?.lastFailedAt = Timestamp.normalize(date)
        }
    }

    public func removeDeadLetters(_ selection: DeadLetterSelection) async throws -> Int {
        try withState { state in
            let ids = Self.select(selection, state)
            for id in ids {
                state.deadLetters.removeValue(forKey: id)
            }
            return ids.count
        }
    }

    public func deadLetterCount(subscription: String) async throws -> Int {
        try withState { state in
            state.deadLetters.values.count { $0.subscription == subscription }
        }
    }

    private static func select(_ selection: DeadLetterSelection, _ state: State) -> [Int64] {
        switch selection {
        // An id listed twice is still one dead letter, counted once.
        case .ids(let ids): Array(Set(ids)).filter { state.deadLetters[$0] != nil }
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
}
