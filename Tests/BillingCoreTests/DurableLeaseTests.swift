@testable import BillingCore
import BillingStore
import BillingTesting
import Foundation
import Testing

@Suite("Durable subscriptions: one owner at a time, by lease")
struct DurableLeaseTests {
    @Test("While another owner holds the lease, nothing is delivered here; when it lapses, this process takes over")
    func waitsForTheLease() async throws {
        let store = InMemoryEventStore()
        let harness = DurableHarness(store: store, configuration: DurableHarness.configuration(pollInterval: .seconds(1), leaseDuration: .seconds(30)))
        try await harness.publish(.invoicePaid)
        _ = try await store.registerSubscription(name: "s", patterns: ["*"], initialCursor: 0, at: harness.clock.wallClock.now())
        let held = try #require(try await store.acquireLease(
            subscription: "s", owner: "other-process", until: harness.clock.wallClock.now().addingTimeInterval(10), now: harness.clock.wallClock.now()
        ))
        let log = DeliveryLog()
        try await harness.dispatcher.subscribe("s", to: ["*"]) { log.record($0) }
        try await harness.running {
            await harness.advanceTimers(within: .seconds(1)) { harness.clock.elapsed >= .seconds(9) }
            #expect(log.count == 0, "the other process's lease holds")
            let waiting = try await harness.dispatcher.status(of: "s")
            #expect(!waiting.isActive && waiting.leaseOwner == "other-process")
            await harness.advanceTimers(within: .seconds(1)) { log.count == 1 }
            let status = try await harness.dispatcher.status(of: "s")
            #expect(status.isActive && status.leaseOwner == harness.dispatcher.ownerID)
        }
        // The old holder is fenced out: its writes are refused.
        let refused = await #expect(throws: BillingError.self) {
            try await store.saveProgress(cursor: 1, inFlightRun: nil, lease: held, at: Date())
        }
        #expect(refused?.code == .leaseLost)
    }

    @Test("A graceful stop releases the lease, so another process takes over at once")
    func stopReleases() async throws {
        let store = InMemoryEventStore()
        let first = DurableHarness(store: store)
        try await first.dispatcher.subscribe("s", to: ["*"]) { _ in }
        try await first.running {
            try await first.settle { try await first.dispatcher.status(of: "s").isActive }
        }
        #expect(try await store.subscription(named: "s")?.lease?.owner == nil)
        let second = DurableHarness(store: store)
        let log = DeliveryLog()
        try await second.dispatcher.subscribe("s", to: ["*"]) { log.record($0) }
        try await second.running {
            try await second.publish(.invoicePaid)
            await second.settle { log.count == 1 }
        }
        #expect(second.clock.elapsed == .zero, "no wait for a lapse")
    }

    @Test("Owner ids are unique per process and dispatcher, never a host name alone")
    func ownerIDs() {
        let one = DurableHarness().dispatcher.ownerID
        let two = DurableHarness().dispatcher.ownerID
        #expect(one != two)
        #expect(one.contains(":\(ProcessInfo.processInfo.processIdentifier):"))
    }
}
