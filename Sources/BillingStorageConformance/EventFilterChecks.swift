import BillingCore

/// `EventFilters`: every criterion, combined with AND, and the scoped reads.
enum EventFilterChecks {
    static let suite = "EventStore"

    static let all: [StorageConformanceCheck] = [typeFilters, ownershipFilters, tenantScopes, scopedReads, timeRange, sequenceLimitOrder, invalidFilters]

    private static let indices = EventFixtures.indices

    static let typeFilters = StorageConformanceCheck(suite, "Type filters match exact types, patterns, or either") { store in
        _ = try await EventFixtures.seed(store)
        func read(_ filters: EventFilters) async throws -> [Int64] { indices(try await store.events(matching: filters)) }
        try expectEqual(await read(EventFilters(types: [.invoicePaid])), [1, 6, 11, 16, 21, 26], "events of type invoice.paid")
        try expectEqual(
            await read(EventFilters(types: [.invoicePaid, .paymentCompleted])), [1, 3, 6, 8, 11, 13, 16, 18, 21, 23, 26, 28],
            "events of type invoice.paid or payment.completed"
        )
        try expectEqual(await read(EventFilters(typePatterns: ["payment.*"])).count, 12, "the number of events matching payment.*")
        try expectEqual(await read(EventFilters(typePatterns: ["*"])).count, 30, "the number of events matching *")
        try expectEqual(
            await read(EventFilters(types: [.invoiceGenerated], typePatterns: ["user.*"])), [0, 4, 5, 9, 10, 14, 15, 19, 20, 24, 25, 29],
            "events of type invoice.generated or matching user.*"
        )
        try expectEqual(await read(EventFilters(types: [.userDeleted])), [], "events of a type never stored")
        try expectEqual(await read(EventFilters(typePatterns: ["pay.*"])), [], "events matching pay.* (not a prefix match)")
    }

    static let ownershipFilters = StorageConformanceCheck(suite, "Tenant, user and entity filters narrow the result together") { store in
        _ = try await EventFixtures.seed(store)
        func read(_ filters: EventFilters) async throws -> [Int64] { indices(try await store.events(matching: filters)) }
        try expectEqual(await read(EventFilters(tenant: "t-b")), [1, 4, 7, 10, 13, 16, 19, 22, 25, 28], "events of tenant t-b")
        try expectEqual(await read(EventFilters(userId: "u-odd")).count, 15, "the number of events of user u-odd")
        try expectEqual(await read(EventFilters(entityId: "e-3")), [3, 7, 11, 15, 19, 23, 27], "events about entity e-3")
        try expectEqual(await read(EventFilters(tenant: "t-a", userId: "u-even", entityId: "e-2")), [6, 18], "events of t-a, u-even and e-2")
        try expectEqual(await read(EventFilters(tenant: "nobody")), [], "events of an unknown tenant")
        try expectEqual(await read(EventFilters(userId: "nobody")), [], "events of an unknown user")
    }

    static let tenantScopes = StorageConformanceCheck(suite, "TenantScope: .any reads everyone's events, .tenant one tenant's, .untenanted those without a tenant") { store in
        let events = try await store.append([
            BillingEvent(type: .invoicePaid, payload: ["index": 0], tenantId: "t-a"),
            BillingEvent(type: .invoicePaid, payload: ["index": 1]),
            BillingEvent(type: .invoicePaid, payload: ["index": 2], tenantId: "t-b"),
            BillingEvent(type: .invoicePaid, payload: ["index": 3]),
        ]).map(\.event)
        try expectEqual(await store.events(matching: EventFilters(tenant: .any)), events, "the events of .any")
        try expectEqual(indices(try await store.events(matching: EventFilters(tenant: .untenanted))), [1, 3], "the events of .untenanted")
        try expectEqual(indices(try await store.events(matching: EventFilters(tenant: .tenant("t-b")))), [2], "the events of .tenant(\"t-b\")")
        try expectEqual(indices(try await store.events(matching: EventFilters(tenant: TenantScope(nil)))), [1, 3], "the events of TenantScope(nil)")
        try expectEqual(
            indices(try await store.events(matching: EventFilters(tenant: .untenanted, limit: 1, order: .descending))), [3],
            "the newest event of .untenanted"
        )
    }

    static let scopedReads = StorageConformanceCheck(suite, "events(forEntity:tenant:) and events(ofType:tenant:) honour the tenant scope and the limit") { store in
        _ = try await EventFixtures.seed(store)
        let extra = try await store.append([BillingEvent(type: .invoicePaid, payload: ["index": 30], entityId: "e-3")])[0].event
        try expectEqual(indices(try await store.events(forEntity: "e-3", tenant: .any)), [3, 7, 11, 15, 19, 23, 27, 30], "the history of e-3 for any tenant")
        try expectEqual(indices(try await store.events(forEntity: "e-3", tenant: "t-a")), [3, 15, 27], "the history of e-3 for t-a")
        try expectEqual(await store.events(forEntity: "e-3", tenant: .untenanted), [extra], "the history of e-3 without a tenant")
        try expectEqual(indices(try await store.events(forEntity: "e-3", tenant: .any, limit: 2)), [3, 7], "the first two events about e-3")
        try expectEqual(await store.events(forEntity: "e-9", tenant: .any), [], "the history of an unknown entity")
        try expectEqual(indices(try await store.events(ofType: .invoicePaid, tenant: .any)), [1, 6, 11, 16, 21, 26, 30], "invoice.paid events of any tenant")
        try expectEqual(indices(try await store.events(ofType: .invoicePaid, tenant: "t-b")), [1, 16], "invoice.paid events of t-b")
        try expectEqual(indices(try await store.events(ofType: .invoicePaid, tenant: .untenanted)), [30], "invoice.paid events without a tenant")
        try expectEqual(indices(try await store.events(ofType: .invoicePaid, tenant: .any, limit: 3)), [1, 6, 11], "the first three invoice.paid events")
    }

    static let timeRange = StorageConformanceCheck(suite, "A time range includes from and excludes to") { store in
        _ = try await EventFixtures.seed(store)
        func read(_ filters: EventFilters) async throws -> [Int64] { indices(try await store.events(matching: filters)) }
        let minute = { (minutes: Double) in EventFixtures.base.addingTimeInterval(minutes * 60) }
        try expectEqual(await read(EventFilters(from: minute(5), to: minute(9))), [5, 6, 7, 8], "events from minute 5 to minute 9")
        try expectEqual(await read(EventFilters(from: minute(28))), [28, 29], "events from minute 28")
        try expectEqual(await read(EventFilters(to: minute(1))), [0], "events before minute 1")
        try expectEqual(await read(EventFilters(from: minute(4.5), to: minute(6.5))), [5, 6], "events between minutes 4.5 and 6.5")
        try expectEqual(await read(EventFilters(from: minute(7), to: minute(7))), [], "events in an empty range")
    }

    static let sequenceLimitOrder = StorageConformanceCheck(suite, "Sequence bounds are exclusive; limit and order apply after every criterion") { store in
        let stored = try await EventFixtures.seed(store)
        func read(_ filters: EventFilters) async throws -> [Int64] { indices(try await store.events(matching: filters)) }
        // Sequences need not be contiguous, so the bounds come from the stored events.
        let sequence = { (index: Int) in stored[index].sequence ?? 0 }
        try expectEqual(await read(EventFilters(afterSequence: sequence(24))), [25, 26, 27, 28, 29], "events after the 25th")
        try expectEqual(await read(EventFilters(beforeSequence: sequence(2))), [0, 1], "events before the 3rd")
        try expectEqual(await read(EventFilters(afterSequence: sequence(9), beforeSequence: sequence(13))), [10, 11, 12], "events between the 10th and the 14th")
        try expectEqual(await read(EventFilters(limit: 3)), [0, 1, 2], "the first three events")
        try expectEqual(await read(EventFilters(limit: 3, order: .descending)), [29, 28, 27], "the last three events, newest first")
        try expectEqual(await read(EventFilters(entityId: "e-1", limit: 2, order: .descending)), [29, 25], "the last two events about e-1")
        try expectEqual(
            await read(EventFilters(typePatterns: ["invoice.*"], tenant: "t-a", afterSequence: sequence(5), limit: 2)), [6, 15],
            "two invoice events of t-a after the 6th"
        )
        try expectEqual(await read(EventFilters(afterSequence: sequence(29))), [], "events after the last")
        try expectEqual(await read(EventFilters(afterSequence: sequence(20), beforeSequence: sequence(21))), [], "events between two neighbours")
    }

    static let invalidFilters = StorageConformanceCheck(suite, "Invalid filters throw invalid.argument naming the field") { store in
        let cases: [(EventFilters, String)] = [
            (EventFilters(limit: 0), "limit"), (EventFilters(afterSequence: -1), "afterSequence"), (EventFilters(beforeSequence: 0), "beforeSequence"),
        ]
        for (filters, field) in cases {
            let error = try await expectThrows(code: .invalidArgument, "events(matching:) with an invalid \(field)") {
                try await store.events(matching: filters)
            }
            try expectEqual(error.field, field, "the field named by the error")
        }
    }
}
