@testable import BillingCore
import BillingStore
import BillingTesting
import Foundation
import Testing

@Suite("Durable delivery: a batch's dead letters are written together, and the cursor waits for them")
struct DeadLetterBatchTests {
    /// What the handler of a later event saw of the store while the batch was delivered.
    private struct Seen: Sendable {
        var deadLetters = 0
        var cursor: Int64 = -1
        var run: ClosedRange<Int64>?
    }

    @Test("Three failures in one batch: no dead letter or run record is written in between, the cursor stays below the first, all three are stored after")
    func deadLettersOfABatch() async throws {
        let store = InMemoryEventStore()
        let harness = DurableHarness(store: store)
        let failing: Set<Int64> = [2, 5, 8]
        let firstRun = Locked<ClosedRange<Int64>?>(nil)
        let atNine = Locked(Seen())
        try await harness.dispatcher.subscribe("s", to: ["*"], options: .init(retry: .none, batchSize: 10)) { event in
            let sequence = event.sequence ?? 0
            if sequence == 1 {
                let run = try await store.subscription(named: "s")?.inFlightRun
                firstRun.withLock { $0 = run }
            }
            if sequence == 9 {
                let state = try await store.subscription(named: "s")
                let letters = try await store.deadLetterCount(subscription: "s")
                atNine.withLock { $0 = Seen(deadLetters: letters, cursor: state?.cursor ?? -1, run: state?.inFlightRun) }
            }
            if failing.contains(sequence) { throw HandlerFailure() }
        }
        for _ in 0..<10 { try await harness.publish(.invoicePaid) }
        try await harness.running {
            try await harness.settle { try await harness.store.subscription(named: "s")?.cursor == 10 }
        }
        let seen = atNine.withLock { $0 }
        #expect(seen.deadLetters == 0, "the batch's dead letters are written together at its end")
        #expect(seen.cursor < 2, "the stored cursor never passes a dead letter not yet written (was \(seen.cursor))")
        let recorded = firstRun.withLock { $0 }
        #expect(recorded != nil)
        #expect(seen.run == recorded, "the run recorded before event 1 still covers event 9: no record written after each failure")
        let letters = try await harness.dispatcher.deadLetters(subscription: "s")
        #expect(letters.map(\.event.sequence) == [2, 5, 8])
        #expect(letters.allSatisfy { $0.attempts == 1 })
    }
}
