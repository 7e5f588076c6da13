import BillingCore
import Foundation

/// Events the event-store checks read back.
enum EventFixtures {
    /// A fixed instant, so checks never depend on the clock.
    static let base = Date(timeIntervalSince1970: 1_780_000_000)

    /// The five types ``thirty()`` cycles through.
    static let types: [BillingEventType] = [.invoiceGenerated, .invoicePaid, .paymentInitiated, .paymentCompleted, .userCreated]

    /// 30 events, one minute apart, with `payload.index` 0 to 29: types cycle through
    /// ``types``, tenants through `t-a`, `t-b`, `t-c`, users through `u-even` and
    /// `u-odd`, entities through `e-0` to `e-3`.
    static func thirty() -> [BillingEvent] {
        let tenants = ["t-a", "t-b", "t-c"]
        return (0..<30).map { (index: Int) -> BillingEvent in
            let payload: JSONValue = ["index": .int(Int64(index))]
            let timestamp = base.addingTimeInterval(Double(index) * 60)
            let userId = index % 2 == 0 ? "u-even" : "u-odd"
            return BillingEvent(
                type: types[index % 5], payload: payload, timestamp: timestamp, tenantId: tenants[index % 3], userId: userId, entityId: "e-\(index % 4)"
            )
        }
    }

    /// Appends ``thirty()`` and returns the stored events.
    static func seed(_ store: any EventStore) async throws -> [BillingEvent] {
        try await store.append(thirty()).map(\.event)
    }

    /// The `payload.index` of each event (-1 where there is none), to compare reads briefly.
    static func indices(_ events: [BillingEvent]) -> [Int64] {
        events.map { $0.payload["index"]?.intValue ?? -1 }
    }

    /// An event with every field set, awkward text included, and a sub-second timestamp.
    static func rich(causedBy cause: EventID?) -> BillingEvent {
        BillingEvent(
            type: .paymentRefunded,
            payload: ["amount": ["currency": "KWD", "minorUnits": 1234], "rate": 1.25, "note": "ünïcødé \"quoted\"\n\t", "none": nil],
            timestamp: Date(timeIntervalSince1970: 1_790_000_000.654321), tenantId: "t-x", userId: "u-x", entityId: "e-x",
            metadata: ["traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "retry": 2, "flags": [true, nil]],
            idempotencyKey: "refund-1", correlationId: "corr-1", causationId: cause, schemaVersion: 3
        )
    }
}
