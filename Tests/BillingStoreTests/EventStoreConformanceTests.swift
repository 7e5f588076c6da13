import BillingCore
import BillingStore
import Foundation
import Synchronization
import Testing

@Suite("EventStore conformance")
struct EventStoreConformanceTests {
    static let base = Date(timeIntervalSince1970: 1_780_000_000)

    /// 30 events: types cycle through five, tenants through three, users through
    /// two, entities through four; one minute apart.
    static func fixture() throws -> [BillingEvent] {
        let types: [BillingEventType] = [.invoiceGenerated, .invoicePaid, .paymentInitiated, .paymentCompleted, try BillingEventType("subscription.renewed")]
        let tenants = ["t-a", "t-b", "t-c"]
        var events: [BillingEvent] = []
        for index in 0..<30 {
            let timestamp = base.addingTimeInterval(Double(index) * 60)
            let payload: JSONValue = ["index": .int(Int64(index))]
            let userId = index % 2 == 0 ? "u-even" : "u-odd"
            events.append(
                BillingEvent(
                    type: types[index % 5], payload: payload, timestamp: timestamp,
                    tenantId: tenants[index % 3], userId: userId, entityId: "e-\(index % 4)"
                )
            )
        }
        return events
    }

    private func seeded(_ kind: StoreKind) async throws -> (any EventStore, [BillingEvent]) {
        let store = try await kind.make()
        let results = try await store.append(try Self.fixture())
        return (store, results.map(\.event))
    }

    private func indices(_ events: [BillingEvent]) -> [Int64] {
        events.map { $0.payload["index"]?.intValue ?? -1 }
    }

    // MARK: Append

    @Test("An empty store", arguments: StoreKind.all)
    func empty(kind: StoreKind) async throws {
        let store = try await kind.make()
        #expect(try await store.headSequence() == 0)
        #expect(try await store.getEvents().isEmpty)
        #expect(try await store.event(id: EventID.generate()) == nil)
        #expect(try await store.event(tenantId: "t", idempotencyKey: "k") == nil)
    }

    @Test("Append assigns sequences from 1 in input order and stores every field", arguments: StoreKind.all)
    func appendAssignsSequences(kind: StoreKind) async throws {
        let store = try await kind.make()
        let events = try Self.fixture()
        let results = try await store.append(events)
        #expect(results.map(\.event.sequence) == (1...30).map { Optional(Int64($0)) })
        #expect(results.allSatisfy { !$0.isDuplicate })
        #expect(try await store.headSequence() == 30)
        let rich = BillingEvent(
            type: .paymentRefunded, payload: ["amount": ["currency": "KWD", "minorUnits": 1234], "note": "ünïcødé \"quoted\"\n"],
            timestamp: Date(timeIntervalSince1970: 1_790_000_000.654321), tenantId: "t-x", userId: "u-x", entityId: "e-x",
            metadata: ["traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "retry": 2, "flags": [true, nil]],
            idempotencyKey: "refund-1", correlationId: "corr-1", causationId: results[0].event.id, schemaVersion: 3
        )
        let stored = try await store.save(rich)
        #expect(stored == rich.withSequenceForTesting(31))
        #expect(try await store.event(id: rich.id) == stored)
        #expect(try await store.event(tenantId: "t-x", idempotencyKey: "refund-1") == stored)
    }

    @Test("Duplicates by id or by (tenant, idempotency key) return the stored event and write nothing", arguments: StoreKind.all)
    func duplicates(kind: StoreKind) async throws {
        let store = try await kind.make()
        let first = try await store.save(BillingEvent(type: .invoicePaid, payload: ["v": 1], tenantId: "t", idempotencyKey: "k"))
        let results = try await store.append([
            BillingEvent(type: .invoicePaid, payload: ["v": 2], tenantId: "t", idempotencyKey: "k"),  // key duplicate
            first,  // id duplicate
            BillingEvent(type: .invoicePaid, tenantId: "other", idempotencyKey: "k"),  // other tenant: new
            BillingEvent(type: .invoicePaid, idempotencyKey: "k"),  // no tenant: new
            BillingEvent(type: .invoicePaid, idempotencyKey: "k"),  // no tenant again: duplicate of the previous
        ])
        #expect(results.map(\.isDuplicate) == [true, true, false, false, true])
        #expect(results[0].event == first)
        #expect(results[1].event == first)
        #expect(results[4].event == results[3].event)
        #expect(results.map(\.event.sequence) == [1, 1, 2, 3, 3])
        #expect(try await store.headSequence() == 3)
        #expect(try await store.event(tenantId: nil, idempotencyKey: "k") == results[3].event)
        #expect(try await store.event(tenantId: "other", idempotencyKey: "k") == results[2].event)
    }

    @Test("64 concurrent appenders get unique, increasing sequences", arguments: StoreKind.all)
    func concurrentAppends(kind: StoreKind) async throws {
        let store = try await kind.make()
        let perWriter = 200
        let returned = try await withThrowingTaskGroup(of: [BillingEvent].self) { group in
            for writer in 0..<64 {
                group.addTask {
                    var stored: [BillingEvent] = []
                    for index in 0..<perWriter {
                        if index % 50 == 0 {
                            let batch = (0..<5).map { _ in BillingEvent(type: .userCreated, entityId: "w\(writer)") }
                            stored += try await store.append(batch).map(\.event)
                        } else {
                            stored.append(try await store.save(BillingEvent(type: .userUpdated, entityId: "w\(writer)", idempotencyKey: "w\(writer)-\(index % 150)")))
                        }
                    }
                    return stored
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let all = try await store.getEvents()
        // Per writer: 4 batches of 5, and 196 singles using 147 distinct keys (the rest repeat one).
        #expect(all.count == 64 * (20 + 147))
        #expect(all.map(\.sequence) == (1...Int64(all.count)).map { Optional($0) })
        #expect(Set(all.map(\.id)).count == all.count)
        #expect(Set(returned.map(\.id)) == Set(all.map(\.id)))
        // Each writer's own events come back in the order it wrote them.
        for writer in 0..<64 {
            let own = try await store.getEventsByEntity("w\(writer)")
            #expect(own.count == 167)
        }
    }

    // MARK: Filters

    @Test("Type filters: exact types, patterns, and their union", arguments: StoreKind.all)
    func typeFilters(kind: StoreKind) async throws {
        let (store, _) = try await seeded(kind)
        #expect(indices(try await store.getEventsByType(.invoicePaid)) == [1, 6, 11, 16, 21, 26])
        #expect(indices(try await store.getEvents(EventFilters(types: [.invoicePaid, .paymentCompleted]))) == [1, 3, 6, 8, 11, 13, 16, 18, 21, 23, 26, 28])
        #expect(try await store.getEvents(EventFilters(typePatterns: ["payment.*"])).count == 12)
        #expect(try await store.getEvents(EventFilters(typePatterns: ["*"])).count == 30)
        #expect(indices(try await store.getEvents(EventFilters(types: [.invoiceGenerated], typePatterns: ["subscription.*"]))) == [0, 4, 5, 9, 10, 14, 15, 19, 20, 24, 25, 29])
        #expect(try await store.getEvents(EventFilters(types: [.userDeleted])).isEmpty)
        #expect(try await store.getEvents(EventFilters(typePatterns: ["pay.*"])).isEmpty)
    }

    @Test("Tenant, user and entity filters", arguments: StoreKind.all)
    func ownershipFilters(kind: StoreKind) async throws {
        let (store, _) = try await seeded(kind)
        #expect(indices(try await store.getEvents(EventFilters(tenantId: "t-b"))) == [1, 4, 7, 10, 13, 16, 19, 22, 25, 28])
        #expect(try await store.getEvents(EventFilters(userId: "u-odd")).count == 15)
        #expect(indices(try await store.getEventsByEntity("e-3")) == [3, 7, 11, 15, 19, 23, 27])
        #expect(indices(try await store.getEvents(EventFilters(tenantId: "t-a", userId: "u-even", entityId: "e-2"))) == [6, 18])
        #expect(try await store.getEvents(EventFilters(tenantId: "nobody")).isEmpty)
    }

    @Test("Time range: from is inclusive, to is exclusive", arguments: StoreKind.all)
    func timeRange(kind: StoreKind) async throws {
        let (store, _) = try await seeded(kind)
        let from = Self.base.addingTimeInterval(5 * 60)
        let to = Self.base.addingTimeInterval(9 * 60)
        #expect(indices(try await store.getEvents(EventFilters(from: from, to: to))) == [5, 6, 7, 8])
        #expect(indices(try await store.getEvents(EventFilters(from: Self.base.addingTimeInterval(28 * 60)))) == [28, 29])
        #expect(indices(try await store.getEvents(EventFilters(to: Self.base.addingTimeInterval(60)))) == [0])
    }

    @Test("Sequence bounds, limit and order", arguments: StoreKind.all)
    func sequenceLimitOrder(kind: StoreKind) async throws {
        let (store, _) = try await seeded(kind)
        #expect(indices(try await store.getEvents(EventFilters(afterSequence: 25))) == [25, 26, 27, 28, 29])
        #expect(indices(try await store.getEvents(EventFilters(beforeSequence: 3))) == [0, 1])
        #expect(indices(try await store.getEvents(EventFilters(afterSequence: 10, beforeSequence: 14))) == [10, 11, 12])
        #expect(indices(try await store.getEvents(EventFilters(limit: 3))) == [0, 1, 2])
        #expect(indices(try await store.getEvents(EventFilters(limit: 3, order: .descending))) == [29, 28, 27])
        #expect(indices(try await store.getEvents(EventFilters(entityId: "e-1", limit: 2, order: .descending))) == [29, 25])
        #expect(indices(try await store.getEvents(EventFilters(typePatterns: ["invoice.*"], tenantId: "t-a", afterSequence: 5, limit: 2))) == [6, 15])
        #expect(try await store.getEvents(EventFilters(afterSequence: 30)).isEmpty)
        #expect(try await store.getEvents(EventFilters(afterSequence: 20, beforeSequence: 21)).isEmpty)
    }

    @Test("Invalid filters are rejected naming the field", arguments: StoreKind.all)
    func invalidFilters(kind: StoreKind) async throws {
        let store = try await kind.make()
        for (filters, field) in [(EventFilters(limit: 0), "limit"), (EventFilters(afterSequence: -1), "afterSequence"), (EventFilters(beforeSequence: 0), "beforeSequence")] {
            do {
                _ = try await store.getEvents(filters)
                Issue.record("accepted \(field)")
            } catch let error as BillingError {
                #expect(error.code == .invalidArgument)
                #expect(error.field == field)
            }
        }
    }

    // MARK: Pagination and streaming

    @Test("Cursor pagination walks every page in both orders", arguments: StoreKind.all)
    func pagination(kind: StoreKind) async throws {
        let (store, _) = try await seeded(kind)
        for order in [EventFilters.Order.ascending, .descending] {
            let filters = EventFilters(typePatterns: ["invoice.*", "payment.*"], order: order)
            var collected: [Int64] = []
            var cursor: EventCursor?
            var pages = 0
            repeat {
                let page = try await store.page(filters, pageSize: 5, after: cursor)
                collected += indices(page.events)
                // The cursor survives a trip through its text form.
                cursor = page.nextCursor.flatMap { EventCursor($0.description) }
                pages += 1
            } while cursor != nil
            let expected = (0..<30).filter { $0 % 5 != 4 }.map(Int64.init)
            #expect(collected == (order == .ascending ? expected : expected.reversed()))
            #expect(pages == 5)
        }
        // Appending between pages does not disturb an ascending read.
        let first = try await store.page(EventFilters(entityId: "e-0"), pageSize: 4)
        try await store.save(BillingEvent(type: .invoicePaid, payload: ["index": 99], entityId: "e-0"))
        let second = try await store.page(EventFilters(entityId: "e-0"), pageSize: 4, after: first.nextCursor)
        let third = try await store.page(EventFilters(entityId: "e-0"), pageSize: 4, after: second.nextCursor)
        #expect(indices(first.events + second.events + third.events) == [0, 4, 8, 12, 16, 20, 24, 28, 99])
        #expect(third.nextCursor == nil)
    }

    @Test("A cursor from the other order, or a bad page size, is rejected", arguments: StoreKind.all)
    func badCursor(kind: StoreKind) async throws {
        let (store, _) = try await seeded(kind)
        let page = try await store.page(EventFilters(), pageSize: 3)
        await #expect(throws: BillingError.self) { try await store.page(EventFilters(order: .descending), pageSize: 3, after: page.nextCursor) }
        await #expect(throws: BillingError.self) { try await store.page(EventFilters(), pageSize: 0) }
        #expect(EventCursor("v2:a:3") == nil)
        #expect(EventCursor("v1:x:3") == nil)
        #expect(EventCursor("v1:a:-3") == nil)
    }

    @Test("Streaming reads every matching event in batches, in order, honouring the limit", arguments: StoreKind.all)
    func streaming(kind: StoreKind) async throws {
        let (store, _) = try await seeded(kind)
        var all: [Int64] = []
        for try await event in store.stream(batchSize: 7) { all.append(event.payload["index"]!.intValue!) }
        #expect(all == (0..<30).map(Int64.init))
        var limited: [Int64] = []
        for try await event in store.stream(EventFilters(tenantId: "t-c", limit: 4, order: .descending), batchSize: 3) {
            limited.append(event.payload["index"]!.intValue!)
        }
        #expect(limited == [29, 26, 23, 20])
    }
}

extension BillingEvent {
    /// The expected stored form of an event: the same event with a sequence.
    func withSequenceForTesting(_ sequence: Int64) -> BillingEvent {
        // Round-trip through JSON so the comparison does not depend on package access.
        guard case .object(var object) = jsonValue else { return self }
        object["sequence"] = .int(sequence)
        return (try? BillingEvent(json: .object(object))) ?? self
    }
}
