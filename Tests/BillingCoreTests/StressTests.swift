import BillingCore
import BillingStore
import Foundation
import Synchronization
import Testing

@Suite("Stress")
struct StressTests {
    @Test(
        "64 concurrent publishers × 1,000 events: each stored once, unique increasing sequences, every handler saw every event",
        arguments: ["in-memory", "sqlite"]
    )
    func concurrentPublishers(storage: String) async throws {
        let databasePath = FileManager.default.temporaryDirectory.appendingPathComponent("bilingus-stress-\(UUID()).sqlite")
        let store: any EventStore =
            storage == "sqlite"
            ? try SQLiteEventStore(path: databasePath.path)
            : InMemoryEventStore()
        defer {
            for suffix in ["", "-wal", "-shm"] {
                try? FileManager.default.removeItem(atPath: databasePath.path + suffix)
            }
        }
        let bus = EventBus(store: store)
        let publishers = 64
        let perPublisher = 1000

        let everything = Locked<[EventID: Int]>([:])
        let payments = Locked<[EventID: Int]>([:])
        bus.subscribe(pattern: .all, name: "everything") { event in
            everything.withLock { $0[event.id, default: 0] += 1 }
        }
        bus.subscribe(pattern: "payment.*", name: "payments") { event in
            payments.withLock { $0[event.id, default: 0] += 1 }
        }

        let published = try await withThrowingTaskGroup(of: [BillingEvent].self) { group in
            for publisher in 0..<publishers {
                group.addTask {
                    var stored: [BillingEvent] = []
                    var index = 0
                    while index < perPublisher {
                        // Mix single publishes with atomic batches of 10, and retry some
                        // publishes with their idempotency key, as a client would after a timeout.
                        if index % 100 == 0 {
                            let batch = (index..<index + 10).map { event(publisher, $0) }
                            stored += try await bus.publish(batch).map(\.event)
                            index += 10
                        } else {
                            let original = event(publisher, index)
                            let result = try await bus.publish(original)
                            if index % 7 == 0 {
                                let retried = try await bus.publish(event(publisher, index))
                                #expect(retried.isDuplicate && retried.event == result.event)
                            }
                            stored.append(result.event)
                            index += 1
                        }
                    }
                    return stored
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }

        let total = publishers * perPublisher
        #expect(published.count == total)
        #expect(Set(published.map(\.id)).count == total)

        let all = try await store.events(matching: EventFilters())
        #expect(all.count == total)
        #expect(all.map(\.sequence) == (1...Int64(total)).map { Optional($0) })
        #expect(Set(all.map(\.id)) == Set(published.map(\.id)))
        #expect(try await store.headSequence() == Int64(total))

        let seen = everything.withLock { $0 }
        #expect(seen.count == total)
        #expect(seen.values.allSatisfy { $0 == 1 })
        let paymentEvents = all.filter { $0.type.noun == "payment" }
        let seenPayments = payments.withLock { $0 }
        #expect(Set(seenPayments.keys) == Set(paymentEvents.map(\.id)))
        #expect(seenPayments.values.allSatisfy { $0 == 1 })
    }

    /// Host-defined types (not built-in), so the stress payload needs no schema.
    private static let recorded = try! BillingEventType("payment.recorded")
    private static let posted = try! BillingEventType("ledger.posted")

    private func event(_ publisher: Int, _ index: Int) -> BillingEvent {
        BillingEvent(
            type: index % 2 == 0 ? Self.recorded : Self.posted,
            payload: ["publisher": .int(Int64(publisher)), "index": .int(Int64(index))],
            tenantId: "tenant-\(publisher % 4)",
            entityId: "entity-\(publisher)-\(index % 10)",
            idempotencyKey: "p\(publisher)-e\(index)"
        )
    }
}
