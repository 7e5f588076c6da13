import Foundation

/// What a new owner of a subscription makes of the attempt records it finds: the
/// accounting that lets a poison event reach its dead letter although it takes the
/// process down every time.
///
/// - An attempt record without a next-attempt time is an attempt that was running when
///   the previous owner died. Alone, it counts as a failed attempt ("the process ended
///   during attempt N"), and the retry strategy decides: retry later, or dead-letter.
/// - When several were running at once (entity lanes), nobody can tell which one took
///   the process down: none is charged, each is marked suspect, and they are delivered
///   one at a time. A suspect event that takes the process down when alone is charged
///   for the earlier crash too.
/// - A recorded run of first attempts (``SubscriptionState/inFlightRun``) means the
///   owner may have died during that run: its events after the cursor are suspects,
///   delivered one at a time with their attempts recorded. The range reaches a few
///   batches beyond the events in flight (one write covers many batches), so it may
///   hold events that never started, or were not even published yet. So an event that takes the process
///   down is found and dead-lettered after its last attempt; the others are delivered
///   normally. When a run of several events crashed and `maxAttempts` is 1, the event
///   at fault gets one start more than `maxAttempts` (it must be tried alone once to be
///   told apart from its neighbours), and an event in the range that never started
///   but takes the process down when tried alone is charged for the earlier death too
///   (so it gets `maxAttempts` − 1 starts); in every other case it gets exactly
///   `maxAttempts`.
struct AttemptRecovery {
    /// One record to act on before delivery resumes.
    enum Action: Equatable {
        /// Store this updated record (a retry scheduled, or suspicion noted).
        case save(DeliveryAttempt)
        /// Dead-letter the event: its attempts are used up.
        case deadLetter(DeliveryAttempt, lastError: String, firstFailedAt: Date)
    }

    /// The records to deliver by, after the actions.
    let records: [Int64: DeliveryAttempt]
    /// Events after the cursor and up to this sequence, without a record, are suspects.
    let suspectUntil: Int64
    /// The actions to perform (in order) before delivering.
    let actions: [Action]

    /// The text recorded for an attempt cut off by the death of its process.
    static func crashError(attempt: Int) -> BillingError {
        BillingError(
            .deliveryInterrupted,
            "The process ended during delivery attempt \(attempt) (it was killed, crashed, or the handler took it down)"
        )
    }

    init(state: SubscriptionState, records loaded: [DeliveryAttempt], strategy: any RetryStrategy, now: Date) {
        var records: [Int64: DeliveryAttempt] = [:]
        var actions: [Action] = []
        let live = loaded.filter { $0.sequence > state.cursor }
        let crashed = live.filter { $0.nextAttemptAt == nil && !$0.isDeadLettered }
        for record in live where !crashed.contains(record) {
            records[record.sequence] = record
        }
        if crashed.count > 1 {
            // Several in flight when the process died: charge none, try each alone.
            for var record in crashed {
                record.attempts = max(0, record.attempts - 1)
                record.isSuspect = true
                record.nextAttemptAt = now
                records[record.sequence] = record
                actions.append(.save(record))
            }
        } else if var record = crashed.first {
            let charged = record.attempts + (record.isSuspect ? 1 : 0)
            let failure = Self.crashError(attempt: record.attempts)
            let firstFailedAt = record.firstFailedAt ?? now
            record.attempts = charged
            record.isSuspect = false
            record.lastError = failure.message
            record.firstFailedAt = firstFailedAt
            switch strategy.decision(afterAttempt: charged, failure: failure) {
            case .deadLetter:
                record.isDeadLettered = true
                actions.append(.deadLetter(record, lastError: failure.message, firstFailedAt: firstFailedAt))
            case .retry(let delay):
                record.nextAttemptAt = now.adding(delay)
                actions.append(.save(record))
            }
            records[record.sequence] = record
        }
        self.records = records
        self.suspectUntil = state.inFlightRun.map { max(state.cursor, $0.upperBound) } ?? state.cursor
        self.actions = actions
    }
}
