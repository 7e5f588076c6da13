import BillingCore

/// `EventStore.append`: sequences, stored fields, concurrency.
enum EventAppendChecks {
    static let suite = "EventStore"

    static let all: [StorageConformanceCheck] = [emptyStore, sequences, everyField, concurrentAppends]

    static let emptyStore = StorageConformanceCheck(suite, "An empty store has head 0, finds nothing, and appends an empty batch as nothing") { store in
        try expectEqual(await store.headSequence(), 0, "headSequence()")
        try expectEqual(await store.events(matching: EventFilters()), [], "events(matching:)")
        try expectEqual(await store.event(id: EventID.generate()), nil, "event(id:) of an unknown id")
        try expectEqual(await store.event(tenantId: "t", idempotencyKey: "k"), nil, "event(tenantId:idempotencyKey:) of an unknown key")
        try expectEqual(await store.append([]), [], "append([])")
        try expectEqual(await store.headSequence(), 0, "headSequence() after append([])")
    }

    static let sequences = StorageConformanceCheck(suite, "append assigns increasing sequences from 1 in input order, and returns each event as new") { store in
        let events = EventFixtures.thirty()
        let results = try await store.append(events)
        // Sequences may have gaps, so only the first and the order are fixed.
        let assigned = results.compactMap(\.event.sequence)
        try expect(assigned.count == 30 && zip(assigned, assigned.dropFirst()).allSatisfy { $0 < $1 }, "30 increasing sequences, got \(assigned)")
        try expectEqual(assigned.first, 1, "the sequence of the first event stored")
        try expectEqual(results.map(\.event), zip(events, assigned).map { $0.withSequence($1) }, "the returned events")
        try expect(results.allSatisfy { $0.isNew && !$0.isDuplicate }, "every result to be new (isNew, not isDuplicate)")
        try expectEqual(await store.headSequence(), assigned.last ?? 0, "headSequence()")

        let next = try await store.append([BillingEvent(type: .userCreated), BillingEvent(type: .userUpdated)])
        let sequences = next.compactMap(\.event.sequence)
        try expect(sequences.count == 2 && sequences[0] > assigned[29] && sequences[1] > sequences[0], "a second batch to continue above the first in input order, got \(sequences)")
        try expectEqual(await store.headSequence(), sequences[1], "headSequence() after the second batch")
    }

    static let everyField = StorageConformanceCheck(suite, "Every field of an event round-trips, the timestamp at microsecond precision") { store in
        let cause = try await store.append([BillingEvent(type: .paymentInitiated)])[0].event
        let rich = EventFixtures.rich(causedBy: cause.id)
        let result = try await store.append([rich])[0]
        try expect(result.isNew, "the rich event to be new")
        let sequence = try unwrap(result.event.sequence, "the stored event's sequence")
        try expectEqual(result.event, rich.withSequence(sequence), "the stored event")
        try expectEqual(await store.event(id: rich.id), result.event, "event(id:)")
        try expectEqual(await store.event(tenantId: "t-x", idempotencyKey: "refund-1"), result.event, "event(tenantId:idempotencyKey:)")
        try expectEqual(await store.events(matching: EventFilters(afterSequence: cause.sequence)), [result.event], "events(matching:) after the cause")
        try expectEqual(result.event.canonicalJSON, rich.withSequence(sequence).canonicalJSON, "the stored event's canonical JSON")
    }

    static let concurrentAppends = StorageConformanceCheck(suite, "64 concurrent appenders get unique, increasing sequences and lose nothing") { store in
        let writers = 64
        let returned = try await withThrowingTaskGroup(of: (Int, [BillingEvent]).self) { group in
            for writer in 0..<writers {
                group.addTask {
                    var stored: [BillingEvent] = []
                    for index in 0..<200 {
                        if index % 50 == 0 {
                            let batch = (0..<5).map { _ in BillingEvent(type: .userCreated, entityId: "w\(writer)") }
                            stored += try await store.append(batch).map(\.event)
                        } else {
                            // Keys repeat after 150, so some appends are duplicates.
                            let event = BillingEvent(type: .userUpdated, entityId: "w\(writer)", idempotencyKey: "w\(writer)-\(index % 150)")
                            stored += try await store.append([event]).map(\.event)
                        }
                    }
                    return (writer, stored)
                }
            }
            return try await group.reduce(into: [Int: [BillingEvent]]()) { $0[$1.0] = $1.1 }
        }
        let all = try await store.events(matching: EventFilters())
        // Per writer: 4 batches of 5, and 196 singles with 147 distinct keys.
        try expectEqual(all.count, writers * (20 + 147), "the number of stored events")
        let sequences = all.compactMap(\.sequence)
        try expect(sequences.count == all.count && zip(sequences, sequences.dropFirst()).allSatisfy { $0 < $1 }, "sequences to be unique and increasing")
        try expectEqual(Set(all.map(\.id)).count, all.count, "the number of distinct ids")
        try expectEqual(Set(returned.values.joined().map(\.id)), Set(all.map(\.id)), "the ids returned to the appenders")
        try expectEqual(await store.headSequence(), sequences.last ?? 0, "headSequence()")
        for writer in 0..<writers {
            // One writer's appends follow each other, so they commit in its order.
            var seen = Set<EventID>()
            let written = (returned[writer] ?? []).map(\.id).filter { seen.insert($0).inserted }
            let own = try await store.events(forEntity: "w\(writer)", tenant: .untenanted)
            try expectEqual(own.map(\.id), written, "the events of writer \(writer), in the order it appended them")
        }
    }
}
