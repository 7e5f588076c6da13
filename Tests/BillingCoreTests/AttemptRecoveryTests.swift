@testable import BillingCore
import Foundation
import Testing

@Suite("AttemptRecovery: what a new owner makes of the records a dead one left")
struct AttemptRecoveryTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)
    let policy = RetryPolicy(maxAttempts: 3, initialDelay: .seconds(10), multiplier: 1, jitter: 0)

    func state(cursor: Int64, run: ClosedRange<Int64>? = nil) -> SubscriptionState {
        SubscriptionState(name: "s", patterns: ["*"], cursor: cursor, isPaused: false, lease: nil, inFlightRun: run, createdAt: now, updatedAt: now)
    }

    func record(_ sequence: Int64, attempts: Int, next: Date? = nil, suspect: Bool = false, deadLettered: Bool = false) -> DeliveryAttempt {
        DeliveryAttempt(subscription: "s", sequence: sequence, attempts: attempts, nextAttemptAt: next, isSuspect: suspect, isDeadLettered: deadLettered)
    }

    @Test("A clean stop leaves nothing to recover")
    func clean() {
        let recovery = AttemptRecovery(state: state(cursor: 7), records: [], strategy: policy, now: now)
        #expect(recovery.actions.isEmpty)
        #expect(recovery.records.isEmpty)
        #expect(recovery.suspectUntil == 7)
    }

    @Test("A run in flight makes its events after the cursor suspects")
    func runInFlight() {
        let recovery = AttemptRecovery(state: state(cursor: 4, run: 3...9), records: [], strategy: policy, now: now)
        #expect(recovery.suspectUntil == 9)
        #expect(recovery.actions.isEmpty, "nobody is charged for a crash inside a run")
    }

    @Test("One attempt running when the process died counts as a failed attempt, and a retry is scheduled")
    func oneCrashedAttempt() throws {
        let recovery = AttemptRecovery(state: state(cursor: 0), records: [record(5, attempts: 2)], strategy: policy, now: now)
        guard case .save(let saved) = try #require(recovery.actions.first) else {
            Issue.record("expected a scheduled retry")
            return
        }
        #expect(saved.attempts == 2)
        #expect(saved.nextAttemptAt == now.addingTimeInterval(10))
        #expect(saved.lastError?.contains("The process ended during delivery attempt 2") == true)
        #expect(recovery.records[5] == saved)
    }

    @Test("The last attempt running when the process died dead-letters the event")
    func lastCrashedAttempt() throws {
        let recovery = AttemptRecovery(state: state(cursor: 0), records: [record(5, attempts: 3)], strategy: policy, now: now)
        guard case .deadLetter(let letter, let lastError, _) = try #require(recovery.actions.first) else {
            Issue.record("expected a dead letter")
            return
        }
        #expect(letter.attempts == 3)
        #expect(letter.isDeadLettered)
        #expect(lastError.contains("attempt 3"))
    }

    @Test("A suspect that takes the process down alone is charged for the earlier crash too")
    func suspectChargedOnRepeat() throws {
        let recovery = AttemptRecovery(state: state(cursor: 0), records: [record(5, attempts: 2, suspect: true)], strategy: policy, now: now)
        guard case .deadLetter(let letter, _, _) = try #require(recovery.actions.first) else {
            Issue.record("2 started alone + 1 in the crashed run = 3 attempts: dead-lettered")
            return
        }
        #expect(letter.attempts == 3)
    }

    @Test("Several attempts running at once when the process died: none is charged; each becomes a suspect")
    func severalCrashedAttempts() {
        let records = [record(5, attempts: 1), record(6, attempts: 2), record(7, attempts: 1, next: now.addingTimeInterval(30))]
        let recovery = AttemptRecovery(state: state(cursor: 0), records: records, strategy: policy, now: now)
        #expect(recovery.actions.count == 2)
        #expect(recovery.records[5]?.attempts == 0 && recovery.records[5]?.isSuspect == true && recovery.records[5]?.nextAttemptAt == now)
        #expect(recovery.records[6]?.attempts == 1 && recovery.records[6]?.isSuspect == true)
        #expect(recovery.records[7] == records[2], "a scheduled retry is left as it is")
    }

    @Test("Records at or below the cursor are history; dead-lettered ones are kept as settled")
    func historyAndSettled() {
        let records = [record(2, attempts: 2), record(8, attempts: 3, deadLettered: true)]
        let recovery = AttemptRecovery(state: state(cursor: 4), records: records, strategy: policy, now: now)
        #expect(recovery.actions.isEmpty)
        #expect(recovery.records.keys.sorted() == [8])
    }
}
