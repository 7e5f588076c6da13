import BillingCore
import Foundation

/// `EventStore.close()`: a closed store refuses work; closing twice is harmless.
enum EventStoreLifecycleChecks {
    static let suite = "EventStore"

    static let all: [StorageConformanceCheck] = [close]

    static let close = StorageConformanceCheck(suite, "After close() every call throws shut_down, and a second close() does nothing") { store in
        _ = try await store.append([BillingEvent(type: .invoicePaid, tenantId: "t", idempotencyKey: "k")])
        _ = try await store.registerSubscription(name: "s", patterns: ["*"], initialCursor: 0, at: EventFixtures.base)
        try await store.close()
        let now = EventFixtures.base
        try await expectThrows(code: .shutDown, "append after close()") { try await store.append([BillingEvent(type: .invoicePaid)]) }
        try await expectThrows(code: .shutDown, "events(matching:) after close()") { try await store.events(matching: EventFilters()) }
        try await expectThrows(code: .shutDown, "event(id:) after close()") { try await store.event(id: EventID.generate()) }
        try await expectThrows(code: .shutDown, "event(tenantId:idempotencyKey:) after close()") { try await store.event(tenantId: "t", idempotencyKey: "k") }
        try await expectThrows(code: .shutDown, "headSequence() after close()") { try await store.headSequence() }
        try await expectThrows(code: .shutDown, "subscription(named:) after close()") { try await store.subscription(named: "s") }
        try await expectThrows(code: .shutDown, "acquireLease after close()") {
            try await store.acquireLease(subscription: "s", owner: "o", until: now.addingTimeInterval(30), now: now)
        }
        try await expectThrows(code: .shutDown, "deadLetters after close()") {
            try await store.deadLetters(subscription: nil, onlyRedeliveryRequested: false, afterID: nil, limit: 10)
        }
        try await expectThrows(code: .shutDown, "pluginRecords() after close()") { try await store.pluginRecords() }
        try await expectThrows(code: .shutDown, "putPluginState after close()") {
            try await store.putPluginState(plugin: "p", key: "k", value: 1, condition: .any, expiresAt: nil, now: now)
        }
        // The kit closes the store once more after every check, so this is a third close.
        try await store.close()
    }
}
