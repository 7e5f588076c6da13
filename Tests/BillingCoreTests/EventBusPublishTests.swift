@testable import BillingCore
import BillingStore
import BillingTesting
import Foundation
import Logging
import MetricsTestKit
import Testing

@Suite("EventBus publishing: results, duplicates, conflicts, atomic batches")
struct EventBusPublishTests {
    let store = InMemoryEventStore()

    @Test("publish persists first and returns the stored event, new, with its sequence")
    func publishReturnsStored() async throws {
        let bus = EventBus(store: store)
        let first = try await bus.publish(BillingEvent(type: .userCreated, payload: .sample(.userCreated), entityId: "u-1"))
        let second = try await bus.publish(BillingEvent(type: .userUpdated, payload: .sample(.userUpdated), entityId: "u-1"))
        #expect(first.event.sequence == 1)
        #expect(second.event.sequence == 2)
        #expect(first.isNew && second.isNew)
        #expect(try await store.event(id: first.event.id) == first.event)
        #expect(try await store.headSequence() == 2)
    }

    @Test("A repeated (tenant, idempotency key) with the same content is a duplicate: the stored event, nothing dispatched")
    func idempotentPublish() async throws {
        let bus = EventBus(store: store)
        let seen = Recorder<EventID>()
        bus.subscribe(pattern: .all) { seen.record($0.id) }

        let original = try await bus.publish(BillingEvent(type: .paymentInitiated, payload: .sample(.paymentInitiated, adding: ["attempt": 1]), tenantId: "t1", idempotencyKey: "pay-1"))
        // A retry: a new id, another time and trace metadata, the same content.
        let retry = try await bus.publish(
            BillingEvent(type: .paymentInitiated, payload: .sample(.paymentInitiated, adding: ["attempt": 1]), timestamp: Date().addingTimeInterval(5), tenantId: "t1",
                metadata: ["traceparent": "00-x"], idempotencyKey: "pay-1")
        )
        #expect(retry.isDuplicate)
        #expect(retry.event == original.event)
        #expect(seen.values == [original.event.id])

        // The same key in another tenant, or without a tenant, is a different event.
        let otherTenant = try await bus.publish(BillingEvent(type: .paymentInitiated, payload: .sample(.paymentInitiated), tenantId: "t2", idempotencyKey: "pay-1"))
        let noTenant = try await bus.publish(BillingEvent(type: .paymentInitiated, payload: .sample(.paymentInitiated), idempotencyKey: "pay-1"))
        let noTenantAgain = try await bus.publish(BillingEvent(type: .paymentInitiated, payload: .sample(.paymentInitiated), idempotencyKey: "pay-1"))
        #expect(otherTenant.isNew && noTenant.isNew && noTenantAgain.isDuplicate)
        #expect(noTenantAgain.event == noTenant.event)
        #expect(seen.count == 3)
        #expect(try await store.event(tenantId: "t1", idempotencyKey: "pay-1") == original.event)
        #expect(try await store.event(tenantId: nil, idempotencyKey: "pay-1") == noTenant.event)

        // Republishing an event with the same id is a duplicate too.
        let again = try await bus.publish(original.event)
        #expect(again.isDuplicate && again.event == original.event)
        #expect(seen.count == 3)
        #expect(try await store.headSequence() == 3)
    }

    @Test("The same idempotency key with another payload, type, entity or user is idempotency.conflict, and nothing is stored")
    func idempotencyConflict() async throws {
        let bus = EventBus(store: store)
        let seen = Recorder<EventID>()
        bus.subscribe(pattern: .all) { seen.record($0.id) }
        try await bus.publish(BillingEvent(type: .paymentInitiated, payload: .sample(.paymentInitiated, adding: ["amount": 100]), tenantId: "t1", entityId: "p-1", idempotencyKey: "pay-1"))
        let conflicting = [
            BillingEvent(type: .paymentInitiated, payload: .sample(.paymentInitiated, adding: ["amount": 999]), tenantId: "t1", entityId: "p-1", idempotencyKey: "pay-1"),
            BillingEvent(type: .paymentCompleted, payload: .sample(.paymentCompleted, adding: ["amount": 100]), tenantId: "t1", entityId: "p-1", idempotencyKey: "pay-1"),
            BillingEvent(type: .paymentInitiated, payload: .sample(.paymentInitiated, adding: ["amount": 100]), tenantId: "t1", entityId: "p-2", idempotencyKey: "pay-1"),
            BillingEvent(type: .paymentInitiated, payload: .sample(.paymentInitiated, adding: ["amount": 100]), tenantId: "t1", userId: "u-9", entityId: "p-1", idempotencyKey: "pay-1"),
        ]
        for event in conflicting {
            let error = await #expect(throws: BillingError.self) { try await bus.publish(event) }
            #expect(error?.code == .idempotencyConflict)
            #expect(error?.field == "idempotencyKey")
            #expect(error?.message.contains("999") == false, "the message never echoes payload data")
        }
        // In a batch, one conflict stores nothing of the batch.
        let batch = [BillingEvent(type: .userCreated, payload: .sample(.userCreated), entityId: "u-1"), conflicting[0]]
        await #expect(throws: BillingError.self) { try await bus.publish(batch) }
        #expect(try await store.headSequence() == 1)
        #expect(seen.count == 1)
    }

    @Test("Concurrent publishes of one idempotency key store and dispatch it exactly once")
    func concurrentIdempotency() async throws {
        let bus = EventBus(store: store)
        let seen = Recorder<EventID>()
        bus.subscribe(.invoicePaid) { seen.record($0.id) }
        let results = try await withThrowingTaskGroup(of: StoredEvent.self) { group in
            for _ in 0..<50 {
                group.addTask { try await bus.publish(BillingEvent(type: .invoicePaid, payload: .sample(.invoicePaid), tenantId: "t", idempotencyKey: "inv-9-paid")) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(results.map(\.event.id)).count == 1)
        #expect(results.count { $0.isNew } == 1)
        #expect(seen.count == 1)
        #expect(try await store.headSequence() == 1)
    }

    @Test("A batch is atomic: one invalid event and none is stored or dispatched")
    func atomicBatch() async throws {
        let bus = EventBus(store: store)
        let seen = Recorder<EventID>()
        bus.subscribe(pattern: .all) { seen.record($0.id) }
        let batch = [
            BillingEvent(type: .invoiceGenerated, payload: .sample(.invoiceGenerated), entityId: "inv-1"),
            BillingEvent(type: .invoicePaid, payload: .sample(.invoicePaid), entityId: String(repeating: "x", count: 1000)),
            BillingEvent(type: .paymentCompleted, payload: .sample(.paymentCompleted), entityId: "p-1"),
        ]
        do {
            try await bus.publish(batch)
            Issue.record("the batch was accepted")
        } catch let error as BillingError {
            #expect(error.field == "entityId")
            #expect(error.message.contains("Event 1 of the batch"))
        }
        #expect(try await store.headSequence() == 0)
        #expect(seen.count == 0)

        let stored = try await bus.publish([batch[0], batch[2]])
        #expect(stored.map(\.event.sequence) == [1, 2])
        #expect(seen.values == [batch[0].id, batch[2].id])
    }

    @Test("Duplicates inside a batch resolve to the first and do not fail the rest")
    func duplicatesInsideBatch() async throws {
        let bus = EventBus(store: store)
        let existing = try await bus.publish(BillingEvent(type: .userUpdated, payload: .sample(.userUpdated), tenantId: "t", idempotencyKey: "k0"))
        let stored = try await bus.publish([
            BillingEvent(type: .userUpdated, payload: .sample(.userUpdated), tenantId: "t", idempotencyKey: "k1"),
            BillingEvent(type: .userUpdated, payload: .sample(.userUpdated), tenantId: "t", idempotencyKey: "k1"),
            BillingEvent(type: .userUpdated, payload: .sample(.userUpdated), tenantId: "t", idempotencyKey: "k0"),
            BillingEvent(type: .userDeleted, payload: .sample(.userDeleted), tenantId: "t"),
        ])
        #expect(stored[1].event == stored[0].event)
        #expect(stored[2].event == existing.event)
        #expect(stored.map(\.isDuplicate) == [false, true, true, false])
        #expect(stored.map(\.event.sequence) == [2, 2, 1, 3])
    }

    @Test("An unnamed inline handler's failures are counted under 'anonymous', never an id")
    func anonymousHandlerDimension() async throws {
        let metrics = TestMetrics()
        let bus = EventBus(store: store, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), metricsFactory: metrics)
        let first = bus.subscribe(.userCreated) { _ in throw HandlerFailure() }
        let second = bus.subscribe(.userCreated) { _ in throw HandlerFailure() }
        #expect(first.name == "anonymous" && second.name == "anonymous")
        try await bus.publish(BillingEvent(type: .userCreated, payload: .sample(.userCreated)))
        let counters = metrics.counters(label: "billing.handler.failures")
        #expect(counters.count == 1, "one series for every unnamed handler")
        #expect(try metrics.expectCounter("billing.handler.failures", [("handler", "anonymous"), ("reason", "error")]).totalValue == 2)
    }
}
