import BillingCore

/// Keyset pages and batched streams over a store's reads.
enum EventPagingChecks {
    static let suite = "EventStore"

    static let all: [StorageConformanceCheck] = [pagination, appendsBetweenPages, badCursor, streaming]

    private static let indices = EventFixtures.indices

    static let pagination = StorageConformanceCheck(suite, "Cursor pagination walks every page in both orders, the cursor surviving its text form") { store in
        _ = try await EventFixtures.seed(store)
        for order in [EventFilters.Order.ascending, .descending] {
            let filters = EventFilters(typePatterns: ["invoice.*", "payment.*"], order: order)
            var collected: [Int64] = []
            var cursor: EventCursor?
            var pages = 0
            repeat {
                let page = try await store.page(filters, pageSize: 5, after: cursor)
                collected += indices(page.events)
                cursor = try page.nextCursor.map { try unwrap(EventCursor($0.description), "the cursor parsed from \($0)") }
                pages += 1
            } while cursor != nil && pages <= 30
            let expected = (0..<30).filter { $0 % 5 != 4 }.map(Int64.init)
            try expectEqual(collected, order == .ascending ? expected : expected.reversed(), "the events read page by page, \(order)")
            try expectEqual(pages, 5, "the number of pages of 5, \(order)")
        }
    }

    static let appendsBetweenPages = StorageConformanceCheck(suite, "Appending between pages neither shifts nor repeats an ascending read") { store in
        _ = try await EventFixtures.seed(store)
        let filters = EventFilters(entityId: "e-0")
        let first = try await store.page(filters, pageSize: 4)
        _ = try await store.append([BillingEvent(type: .invoicePaid, payload: ["index": 99], entityId: "e-0")])
        let second = try await store.page(filters, pageSize: 4, after: first.nextCursor)
        let third = try await store.page(filters, pageSize: 4, after: second.nextCursor)
        try expectEqual(indices(first.events + second.events + third.events), [0, 4, 8, 12, 16, 20, 24, 28, 99], "the events of three pages")
        try expectEqual(third.nextCursor, nil, "the cursor after the last page")
    }

    static let badCursor = StorageConformanceCheck(suite, "A cursor made for the other order, or a page size below 1, throws invalid.argument") { store in
        _ = try await EventFixtures.seed(store)
        let page = try await store.page(EventFilters(), pageSize: 3)
        let cursor = try unwrap(page.nextCursor, "the cursor after a first page of 3")
        try await expectThrows(code: .invalidArgument, "a descending page after an ascending cursor") {
            try await store.page(EventFilters(order: .descending), pageSize: 3, after: cursor)
        }
        try await expectThrows(code: .invalidArgument, "a page of size 0") { try await store.page(EventFilters(), pageSize: 0) }
    }

    static let streaming = StorageConformanceCheck(suite, "A stream reads every matching event in batches, in order, honouring the limit") { store in
        _ = try await EventFixtures.seed(store)
        var all: [BillingEvent] = []
        for try await event in store.stream(batchSize: 7) {
            all.append(event)
        }
        try expectEqual(indices(all), (0..<30).map(Int64.init), "the streamed events")
        var limited: [BillingEvent] = []
        for try await event in store.stream(EventFilters(tenant: "t-c", limit: 4, order: .descending), batchSize: 3) {
            limited.append(event)
        }
        try expectEqual(indices(limited), [29, 26, 23, 20], "the last four events of t-c, streamed in batches of 3")
    }
}
