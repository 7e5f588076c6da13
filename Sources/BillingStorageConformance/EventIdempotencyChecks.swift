import BillingCore

/// Duplicates and conflicts: an id, or a tenant's idempotency key, is stored once.
enum EventIdempotencyChecks {
    static let suite = "EventStore"

    static let all: [StorageConformanceCheck] = [duplicates, sameContentOtherEnvelope, tenantsAreSeparate, keyConflicts, idConflicts, conflictStoresNothingOfTheBatch]

    static let duplicates = StorageConformanceCheck(suite, "Duplicates by id or by tenant and key return the stored event, write nothing, and never fail the batch") { store in
        let offered = BillingEvent(type: .invoicePaid, payload: ["v": 1], tenantId: "t", idempotencyKey: "k")
        let first = try await store.append([offered])[0].event
        let results = try await store.append([
            BillingEvent(type: .invoicePaid, payload: ["v": 1], tenantId: "t", idempotencyKey: "k"),  // the key again
            offered,  // the id again
            BillingEvent(type: .invoicePaid, payload: ["v": 1], tenantId: "other", idempotencyKey: "k"),  // another tenant: new
            BillingEvent(type: .invoicePaid, payload: ["v": 1], idempotencyKey: "k"),  // no tenant: new
            BillingEvent(type: .invoicePaid, payload: ["v": 1], idempotencyKey: "k"),  // no tenant, again in this batch
            BillingEvent(type: .invoicePaid, payload: ["v": 1]),  // no key: new
        ])
        try expectEqual(results.map(\.isDuplicate), [true, true, false, false, true, false], "isDuplicate of each result")
        try expectEqual(results.map(\.isNew), [false, false, true, true, false, true], "isNew of each result")
        try expectEqual(results[0].event, first, "the result of the repeated key")
        try expectEqual(results[1].event, first, "the result of the repeated id")
        try expectEqual(results[4].event, results[3].event, "the result of the key repeated within the batch")
        let newSequences = [results[2], results[3], results[5]].compactMap(\.event.sequence)
        try expect(newSequences.count == 3 && newSequences == newSequences.sorted() && newSequences[0] > (first.sequence ?? 0), "new events to get increasing sequences after the first, got \(newSequences)")
        try expectEqual(await store.events(matching: EventFilters()).count, 4, "the number of stored events")
        try expectEqual(await store.event(tenantId: "t", idempotencyKey: "k"), first, "the event of tenant t and key k")
        try expectEqual(await store.event(tenantId: "other", idempotencyKey: "k"), results[2].event, "the event of tenant other and key k")
        try expectEqual(await store.event(tenantId: nil, idempotencyKey: "k"), results[3].event, "the event without a tenant and key k")
    }

    static let sameContentOtherEnvelope = StorageConformanceCheck(suite, "The same type, payload, entity and user with other metadata, timestamp, id or correlation is a duplicate") { store in
        let original = BillingEvent(
            type: .invoicePaid, payload: ["amount": 100], timestamp: EventFixtures.base, tenantId: "t", userId: "u", entityId: "e",
            metadata: ["traceparent": "first"], idempotencyKey: "k", correlationId: "c-1"
        )
        let stored = try await store.append([original])[0].event
        let retry = BillingEvent(
            type: .invoicePaid, payload: ["amount": 100], timestamp: EventFixtures.base.addingTimeInterval(5), tenantId: "t", userId: "u",
            entityId: "e", metadata: ["traceparent": "second", "attempt": 2], idempotencyKey: "k", correlationId: "c-2", causationId: stored.id
        )
        let result = try await store.append([retry])[0]
        try expect(result.isDuplicate, "a retry with other metadata, timestamp, id and correlation to be a duplicate")
        try expectEqual(result.event, stored, "the duplicate's result (the event stored first)")
        try expectEqual(await store.event(id: retry.id), nil, "event(id:) of the retry's own id")
        try expectEqual(await store.events(matching: EventFilters()), [stored], "the stored events")
    }

    static let tenantsAreSeparate = StorageConformanceCheck(suite, "One idempotency key in several tenants, and without one, names separate events") { store in
        // Different content under one key is no conflict across tenants.
        let results = try await store.append([
            BillingEvent(type: .invoicePaid, payload: ["n": 1], tenantId: "t-1", idempotencyKey: "k"),
            BillingEvent(type: .paymentCompleted, payload: ["n": 2], tenantId: "t-2", idempotencyKey: "k"),
            BillingEvent(type: .userCreated, payload: ["n": 3], idempotencyKey: "k"),
        ])
        try expect(results.allSatisfy(\.isNew), "each tenant's event to be new")
        try expectEqual(await store.event(tenantId: "t-1", idempotencyKey: "k"), results[0].event, "the event of tenant t-1")
        try expectEqual(await store.event(tenantId: "t-2", idempotencyKey: "k"), results[1].event, "the event of tenant t-2")
        try expectEqual(await store.event(tenantId: nil, idempotencyKey: "k"), results[2].event, "the event without a tenant")
        try expectEqual(await store.event(tenantId: "t-3", idempotencyKey: "k"), nil, "the event of tenant t-3")
    }

    /// The event the conflict checks reuse a key or id of.
    private static let original = BillingEvent(type: .invoicePaid, payload: ["v": 1], tenantId: "t", userId: "u", entityId: "e", idempotencyKey: "k")

    /// Events that say something else than ``original``: another type, payload, entity or user.
    private static func variants(id: EventID?, tenantId: String?, idempotencyKey: String?) -> [(String, BillingEvent)] {
        let (type, payload, userId, entityId) = (original.type, original.payload, original.userId, original.entityId)
        func variant(_ type: BillingEventType, _ payload: JSONValue, _ userId: String?, _ entityId: String?) -> BillingEvent {
            BillingEvent(id: id, type: type, payload: payload, tenantId: tenantId, userId: userId, entityId: entityId, idempotencyKey: idempotencyKey)
        }
        return [
            ("another type", variant(.paymentCompleted, payload, userId, entityId)),
            ("another payload", variant(type, ["v": 2], userId, entityId)),
            ("another entity", variant(type, payload, userId, "e-2")),
            ("no entity", variant(type, payload, userId, nil)),
            ("another user", variant(type, payload, "u-2", entityId)),
            ("no user", variant(type, payload, nil, entityId)),
        ]
    }

    static let keyConflicts = StorageConformanceCheck(suite, "A reused idempotency key with another type, payload, entity or user throws idempotency.conflict and stores nothing") { store in
        let stored = try await store.append([original])[0].event
        for (difference, variant) in variants(id: nil, tenantId: "t", idempotencyKey: "k") {
            try await expectThrows(code: .idempotencyConflict, "appending the key again with \(difference)") { try await store.append([variant]) }
            try expectEqual(await store.event(id: variant.id), nil, "event(id:) of the conflicting event with \(difference)")
        }
        try expectEqual(await store.events(matching: EventFilters()), [stored], "the stored events")
        try expectEqual(await store.event(tenantId: "t", idempotencyKey: "k"), stored, "the event of the key")
    }

    static let idConflicts = StorageConformanceCheck(suite, "A reused event id with another type, payload, entity or user throws idempotency.conflict and stores nothing") { store in
        let stored = try await store.append([original])[0].event
        for (difference, variant) in variants(id: original.id, tenantId: "t-other", idempotencyKey: nil) {
            try await expectThrows(code: .idempotencyConflict, "appending the id again with \(difference)") { try await store.append([variant]) }
        }
        try expectEqual(await store.events(matching: EventFilters()), [stored], "the stored events")
        try expectEqual(await store.event(id: original.id), stored, "the event of the id")
    }

    static let conflictStoresNothingOfTheBatch = StorageConformanceCheck(suite, "A batch with one conflict stores no event at all") { store in
        let stored = try await store.append([original])[0].event
        let fresh = [
            BillingEvent(type: .userCreated, tenantId: "t", idempotencyKey: "a"),
            BillingEvent(type: .userUpdated, entityId: "e"),
            BillingEvent(type: .userDeleted, tenantId: "t-2", idempotencyKey: "b"),
        ]
        let conflict = BillingEvent(type: .invoicePaid, payload: ["v": 2], tenantId: "t", userId: "u", entityId: "e", idempotencyKey: "k")
        try await expectThrows(code: .idempotencyConflict, "a batch with a conflict in the middle") {
            try await store.append([fresh[0], fresh[1], conflict, fresh[2]])
        }
        // Two events of one batch can also conflict with each other.
        try await expectThrows(code: .idempotencyConflict, "a batch whose events conflict with each other") {
            try await store.append([
                BillingEvent(type: .invoicePaid, payload: ["v": 1], idempotencyKey: "z"),
                BillingEvent(type: .invoicePaid, payload: ["v": 2], idempotencyKey: "z"),
            ])
        }
        try expectEqual(await store.events(matching: EventFilters()), [stored], "the stored events after the failed batches")
        try expectEqual(await store.headSequence(), stored.sequence ?? 0, "headSequence() after the failed batches")
        try expectEqual(await store.event(tenantId: "t", idempotencyKey: "a"), nil, "the event of key a")
        try expectEqual(await store.event(tenantId: nil, idempotencyKey: "z"), nil, "the event of key z")

        let retried = try await store.append(fresh)
        try expect(retried.allSatisfy(\.isNew), "the batch's other events to be new when appended without the conflict")
    }
}
