@testable import BillingCore
import BillingStore
import BillingTesting
import Foundation
import Synchronization
import Testing

@Suite("Durable delivery: the recorded run reaches ahead, and a backlog reads ahead")
struct DurableRunRecordTests {
    @Test("A steady stream records its run once for several batches, reaching ahead of the events published so far")
    func runRecordedAhead() async throws {
        let harness = DurableHarness()
        let log = DeliveryLog()
        try await harness.dispatcher.subscribe("s", to: ["*"], options: .init(batchSize: 2)) { log.record($0) }
        try await harness.running {
            try await harness.publish(.invoicePaid)
            try await harness.settle { try await harness.store.subscription(named: "s")?.cursor == 1 }
            // Event 1 plus 3 batch sizes of 2: sequences not published yet are covered.
            #expect(try await harness.store.subscription(named: "s")?.inFlightRun == 1...7)
            for sequence in 2...6 {
                try await harness.publish(.invoicePaid)
                try await harness.settle { try await harness.store.subscription(named: "s")?.cursor == Int64(sequence) }
                #expect(try await harness.store.subscription(named: "s")?.inFlightRun == 1...7, "no new record for event \(sequence)")
            }
            try await harness.publish(.invoicePaid)
            try await harness.settle { try await harness.store.subscription(named: "s")?.cursor == 7 }
            #expect(try await harness.store.subscription(named: "s")?.inFlightRun == nil, "the cursor at the range's end clears it")
            try await harness.publish(.invoicePaid)
            try await harness.settle { try await harness.store.subscription(named: "s")?.cursor == 8 }
            #expect(try await harness.store.subscription(named: "s")?.inFlightRun == 8...14, "past the range, one new record")
        }
        #expect(log.sequences == Array(1...8))
        #expect(try await harness.store.subscription(named: "s")?.inFlightRun == nil, "a stop leaves no run in flight")
    }

    @Test("After a crash with a run recorded beyond the head, events published later inside it are delivered alone, once each")
    func suspectsBeyondTheHead() async throws {
        let store = InMemoryEventStore()
        let setup = DurableHarness(store: store)
        for _ in 0..<3 { try await setup.publish(.invoicePaid) }
        _ = try await store.registerSubscription(name: "s", patterns: ["*"], initialCursor: 0, at: Date())
        let ghost = try #require(try await store.acquireLease(subscription: "s", owner: "ghost", until: Date.distantPast, now: Date.distantPast))
        try await store.saveProgress(cursor: 1, inFlightRun: 2...5, lease: ghost, at: Date())

        let harness = DurableHarness(store: store)
        let log = AttemptLog()
        let recorded = Locked<[Int64: Bool]>([:])
        try await harness.dispatcher.subscribe("s", to: ["*"], middleware: [log]) { event in
            let record = try await store.deliveryAttempts(subscription: "s").first { $0.sequence == event.sequence }
            recorded.withLock { $0[event.sequence ?? 0] = record != nil }
        }
        try await harness.running {
            try await harness.settle { try await harness.dispatcher.status(of: "s").cursor == 3 }
            for _ in 0..<3 { try await harness.publish(.invoicePaid) }
            try await harness.settle { try await harness.dispatcher.status(of: "s").cursor == 6 }
        }
        #expect(log.starts.withLock { $0.map(\.sequence) } == [2, 3, 4, 5, 6], "each once")
        #expect(recorded.withLock { $0 } == [2: true, 3: true, 4: true, 5: true, 6: false], "suspects up to 5 alone and recorded")
        #expect(try await store.deliveryAttempts(subscription: "s").isEmpty)
    }

    @Test("A redelivery asked for while a backlog drains is made before the backlog ends")
    func redeliveryDuringBacklog() async throws {
        let store = InMemoryEventStore()
        let harness = DurableHarness(store: store)
        let log = DeliveryLog()
        let failFirst = Atomic<Bool>(true)
        let dispatcher = harness.dispatcher
        try await dispatcher.subscribe("s", to: ["*"], options: .init(retry: .none, batchSize: 2)) { event in
            if event.sequence == 1, failFirst.exchange(false, ordering: .relaxed) { throw HandlerFailure() }
            log.record(event)
            if event.sequence == 5 {
                // Asked from inside the drain, with 15 events still to come.
                let letter = try #require(try await dispatcher.deadLetters().first)
                try await dispatcher.redeliver(deadLetter: letter.id)
            }
        }
        for _ in 0..<20 { try await harness.publish(.invoicePaid) }
        try await harness.running {
            try await harness.settle {
                let cursor = try await dispatcher.status(of: "s").cursor
                let letters = try await dispatcher.deadLetters()
                return cursor == 20 && letters.isEmpty
            }
        }
        let order = log.sequences
        #expect(order.filter { $0 == 1 }.count == 1, "event 1 once, redelivered: \(order)")
        let redelivered = try #require(order.firstIndex(of: 1))
        let last = try #require(order.firstIndex(of: 20))
        #expect(redelivered < last, "the redelivery did not wait for the backlog: \(order)")
        #expect(order.filter { $0 != 1 } == Array(2...20))
    }
}
