@testable import BillingCore
@testable import BillingStore
import BilingusTestSupport
import Foundation
import Testing

@Suite("SQLite event store")
struct SQLiteEventStoreTests {
    /// A host type without a registered payload schema, for raw test payloads.
    static let noted = try! BillingEventType("ledger.noted")

    // MARK: Query plans

    @Test("Every filter combination is answered by an index: no full scan of the events table")
    func everyFilterUsesAnIndex() async throws {
        let store = try SQLiteEventStore(path: TemporaryFiles.newPath())
        let base = Date(timeIntervalSince1970: 1_780_000_000)
        let typeChoices: [Set<BillingEventType>] = [[], [.invoicePaid], [.invoicePaid, .paymentCompleted]]
        let patternChoices: [[EventPattern]] = [[], ["invoice.*"], ["*"], ["payment.*", "user.created"]]
        let sequenceChoices: [(Int64?, Int64?)] = [(nil, nil), (10, nil), (nil, 500), (10, 500)]
        var checked = 0
        for types in typeChoices {
            for patterns in patternChoices {
                for mask in 0..<32 {
                    for (after, before) in sequenceChoices {
                        for order in [EventFilters.Order.ascending, .descending] {
                            for limit in [nil, 25] {
                                let filters = EventFilters(
                                    types: types, typePatterns: patterns,
                                    tenant: mask & 1 != 0 ? "t" : .any,
                                    userId: mask & 2 != 0 ? "u" : nil,
                                    entityId: mask & 4 != 0 ? "e" : nil,
                                    from: mask & 8 != 0 ? base : nil,
                                    to: mask & 16 != 0 ? base.addingTimeInterval(3600) : nil,
                                    afterSequence: after, beforeSequence: before, limit: limit, order: order
                                )
                                let plan = try await store.queryPlan(for: filters)
                                #expect(!plan.contains { $0.hasPrefix("SCAN events") }, "full scan for \(filters): \(plan)")
                                #expect(plan.contains { $0.hasPrefix("SEARCH events") }, "no index search for \(filters): \(plan)")
                                checked += 1
                            }
                        }
                    }
                }
            }
        }
        #expect(checked == 3 * 4 * 32 * 4 * 2 * 2)
        // And the most selective filter picks its index.
        #expect(try await store.queryPlan(for: EventFilters(tenant: "t", entityId: "e")).joined().contains("events_entity"))
        #expect(try await store.queryPlan(for: EventFilters(types: [.invoicePaid], tenant: "t")).joined().contains("events_tenant"))
        #expect(try await store.queryPlan(for: EventFilters(typePatterns: ["invoice.*"])).joined().contains("events_type"))
        #expect(try await store.queryPlan(for: EventFilters(from: base)).joined().contains("events_timestamp"))
        // Lookups by id and idempotency key use their unique indexes.
        #expect(try await store.queryPlan(for: EventFilters()).joined().contains("INTEGER PRIMARY KEY"))
    }

    // MARK: Schema

    @Test("Migrations are recorded, and reopening does not reapply them")
    func migrationsRecorded() async throws {
        let path = TemporaryFiles.newPath()
        let store = try SQLiteEventStore(path: path)
        #expect(try await store.scalarOnWriter("SELECT max(version) FROM schema_migrations") == SQLiteSchema.latestVersion)
        #expect(
            try await store.scalarOnWriter(
                "SELECT count(*) FROM sqlite_master WHERE name IN ('events', 'plugins', 'subscriptions', 'dead_letters', 'delivery_attempts', 'plugin_state', 'webhook_endpoints')"
            ) == 7
        )
        // Migration 3 dropped schema 1's unused webhook table; migration 5 brought the real one.
        #expect(try await store.scalarOnWriter("SELECT count(*) FROM pragma_table_info('webhook_endpoints') WHERE name = 'secrets'") == 1)
        #expect(try await store.scalarOnWriter("PRAGMA secure_delete") == 1)
        #expect(try await store.scalarOnWriter("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name LIKE 'events_%'") == 6)
        _ = try await store.append([BillingEvent(type: .userCreated)])
        let reopened = try SQLiteEventStore(path: path)
        #expect(try await reopened.scalarOnWriter("SELECT count(*) FROM schema_migrations") == Int64(SQLiteSchema.migrations.count))
        #expect(try await reopened.headSequence() == 1)
        #expect(try await reopened.scalarOnWriter("SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'") == 1)
    }

    @Test("A database written by a newer schema is refused with a clear error")
    func newerSchemaRefused() async throws {
        let path = TemporaryFiles.newPath()
        let store = try SQLiteEventStore(path: path)
        try await store.executeOnWriter("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'from the future', 0)")
        do {
            _ = try SQLiteEventStore(path: path)
            Issue.record("opened a database from a newer schema")
        } catch let error as BillingError {
            #expect(error.code == .storageSchemaTooNew)
            #expect(error.message.contains("999"))
        }
    }

    @Test("Synchronous mode is configurable: NORMAL by default, FULL on request")
    func synchronousMode() async throws {
        let normal = try SQLiteEventStore(path: TemporaryFiles.newPath())
        #expect(try await normal.scalarOnWriter("PRAGMA synchronous") == 1)
        let full = try SQLiteEventStore(path: TemporaryFiles.newPath(), configuration: .init(synchronous: .full))
        #expect(try await full.scalarOnWriter("PRAGMA synchronous") == 2)
        #expect(try await full.scalarOnWriter("PRAGMA foreign_keys") == 1)
        _ = try await full.append([BillingEvent(type: .userCreated)])
        #expect(try await full.headSequence() == 1)
    }

    // MARK: Faults

    @Test("A file that is not a SQLite database is a clear error at open", arguments: ["text", "random", "truncated-header"])
    func badFile(kind: String) async throws {
        let path = TemporaryFiles.newPath()
        let bytes: [UInt8]
        switch kind {
        case "text": bytes = Array("this is a billing report, not a database\n".utf8) + Array(repeating: 0x41, count: 4096)
        case "random":
            var generator = SystemRandomNumberGenerator()
            bytes = (0..<8192).map { _ in UInt8.random(in: 0...255, using: &generator) }
        default: bytes = Array("SQLite format 3\u{0}".utf8) + Array(repeating: 0xFF, count: 200)
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        do {
            _ = try SQLiteEventStore(path: path)
            Issue.record("opened a bad file")
        } catch let error as BillingError {
            #expect(error.code == .storageCorrupt)
            #expect(error.message.contains("not a SQLite database or is corrupt"))
        }
    }

    @Test("A missing directory is storage.unavailable; :memory: is rejected")
    func unavailablePath() async throws {
        #expect(throws: BillingError.self) { try SQLiteEventStore(path: "/nonexistent-dir-\(UUID())/events.sqlite") }
        do {
            _ = try SQLiteEventStore(path: "/nonexistent-dir-\(UUID())/events.sqlite")
        } catch let error as BillingError {
            #expect(error.code == .storageUnavailable)
        }
        #expect(throws: BillingError.self) { try SQLiteEventStore(path: ":memory:") }
    }

    @Test("A full database fails the publish cleanly, keeps earlier events, and works again once space is freed")
    func fullDatabase() async throws {
        let store = try SQLiteEventStore(path: TemporaryFiles.newPath())
        let bus = EventBus(store: store)
        for index in 0..<20 {
            try await bus.publish(BillingEvent(type: Self.noted, payload: ["index": .int(Int64(index))], entityId: "u-\(index)"))
        }
        let pages = try #require(try await store.scalarOnWriter("PRAGMA page_count"))
        try await store.executeOnWriter("PRAGMA max_page_count = \(pages)")

        // Big events need new pages that the limit refuses. Single and batch
        // publishes, alone and concurrently (one group commit), all fail cleanly.
        let big: JSONValue = ["blob": .string(String(repeating: "x", count: 60_000))]
        await #expect(throws: BillingError.self) { try await bus.publish(BillingEvent(type: Self.noted, payload: big)) }
        do {
            try await bus.publish((0..<3).map { _ in BillingEvent(type: Self.noted, payload: big) })
            Issue.record("a batch was stored in a full database")
        } catch let error as BillingError {
            #expect(error.code == .storageFull)
            #expect(error.underlying is SQLiteError)
            #expect(!error.description.contains("xxxx"), "no payload data in errors")
        }
        let failures = await withTaskGroup(of: BillingError.Code?.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    do {
                        try await bus.publish(BillingEvent(type: Self.noted, payload: big))
                        return nil
                    } catch {
                        return (error as? BillingError)?.code
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(failures.allSatisfy { $0 == .storageFull })

        // Nothing partial: the 20 earlier events, intact.
        #expect(try await store.headSequence() == 20)
        #expect(try await store.events(matching: EventFilters()).count == 20)
        #expect(try await store.integrityCheck() == ["ok"])

        // Space is freed: the same publish now succeeds.
        try await store.executeOnWriter("PRAGMA max_page_count = 1073741823")
        let stored = try await bus.publish(BillingEvent(type: Self.noted, payload: big))
        #expect(stored.event.sequence == 21)
        #expect(try await store.event(id: stored.event.id)?.payload == big)
    }

    @Test("A read-only store reads, and refuses appends with storage.read_only")
    func readOnly() async throws {
        let path = TemporaryFiles.newPath()
        let writable = try SQLiteEventStore(path: path)
        let first = try await writable.append([BillingEvent(type: .userCreated, entityId: "u-1")])[0].event
        let readOnly = try SQLiteEventStore(path: path, configuration: .init(readOnly: true))
        #expect(try await readOnly.events(forEntity: "u-1", tenant: .any) == [first])
        do {
            _ = try await readOnly.append([BillingEvent(type: .userUpdated)])
            Issue.record("a read-only store accepted an append")
        } catch let error as BillingError {
            #expect(error.code == .storageReadOnly)
        }
        #expect(try await writable.headSequence() == 1)
        // A read-only store cannot create a database.
        #expect(throws: BillingError.self) { try SQLiteEventStore(path: TemporaryFiles.newPath(), configuration: .init(readOnly: true)) }
    }

    // MARK: Read path

    @Test("Readers read while the writer writes, and always see a consistent prefix")
    func readWhileWriting() async throws {
        let store = try SQLiteEventStore(path: TemporaryFiles.newPath(), configuration: .init(readerCount: 3))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for batch in 0..<200 {
                    _ = try await store.append((0..<10).map { _ in BillingEvent(type: .invoicePaid, payload: ["batch": .int(Int64(batch))]) })
                }
            }
            for _ in 0..<3 {
                group.addTask {
                    var lastHead: Int64 = 0
                    for _ in 0..<100 {
                        let events = try await store.events(matching: EventFilters())
                        // Batches are atomic and sequences gap-free: a read sees whole batches, in order.
                        #expect(events.count % 10 == 0)
                        #expect(events.enumerated().allSatisfy { $0.element.sequence == Int64($0.offset + 1) })
                        #expect(Int64(events.count) >= lastHead)
                        lastHead = Int64(events.count)
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await store.headSequence() == 2000)
    }

    @Test("A large range streams in batches")
    func largeStream() async throws {
        let store = try SQLiteEventStore(path: TemporaryFiles.newPath())
        for chunk in 0..<20 {
            _ = try await store.append((0..<1000).map { BillingEvent(type: .userCreated, payload: ["n": .int(Int64(chunk * 1000 + $0))]) })
        }
        var expected: Int64 = 0
        for try await event in store.stream(EventFilters(typePatterns: ["user.*"]), batchSize: 750) {
            #expect(event.payload["n"]?.intValue == expected)
            expected += 1
        }
        #expect(expected == 20_000)
    }

    @Test("Events survive closing and reopening the store byte for byte")
    func reopen() async throws {
        let path = TemporaryFiles.newPath()
        var stored: [BillingEvent] = []
        do {
            let store = try SQLiteEventStore(path: path)
            stored = try await store.append((0..<50).map { index in
                BillingEvent(type: .paymentCompleted, payload: ["i": .int(Int64(index)), "f": 1.25, "s": "é\n\"", "n": nil], tenantId: "t", metadata: ["k": [1, 2]], idempotencyKey: "k\(index)")
            }).map(\.event)
        }
        let reopened = try SQLiteEventStore(path: path)
        let read = try await reopened.events(matching: EventFilters())
        #expect(read == stored)
        #expect(read.map(\.canonicalJSON) == stored.map(\.canonicalJSON))
    }

    // MARK: Processes

    @Test("Killed with SIGKILL mid-publish, repeatedly: every acknowledged event survives and no batch is partial")
    func killNine() async throws {
        let path = TemporaryFiles.newPath("kill9")
        var acknowledged: [String: (size: Int, sequences: [Int64])] = [:]
        for round in 0..<6 {
            let child = try ChildProcess(["publish-loop", path])
            // Kill at a different point each round, mid-stream.
            await child.waitForLines(30 + round * 45)
            child.kill()
            let status = await child.waitForExit()
            #expect(status == SIGKILL, "the child must die by SIGKILL, not exit on its own")
            for line in child.lines {
                let parts = line.split(separator: " ")
                guard parts.count >= 3, parts[0] == "ok", let size = Int(parts[2]) else { continue }
                acknowledged[String(parts[1])] = (size, parts.dropFirst(3).compactMap { Int64($0) })
            }
        }
        #expect(acknowledged.count >= 6 * 30)

        let store = try SQLiteEventStore(path: path)
        #expect(try await store.integrityCheck() == ["ok"])
        let all = try await store.events(matching: EventFilters())
        // Sequences unique and increasing.
        #expect(zip(all, all.dropFirst()).allSatisfy { $0.sequence! < $1.sequence! })
        // Every acknowledged batch is present, whole, at the sequences reported.
        let bySequence = Dictionary(uniqueKeysWithValues: all.map { ($0.sequence!, $0) })
        for (batch, ack) in acknowledged {
            #expect(ack.sequences.count == ack.size)
            for sequence in ack.sequences {
                #expect(bySequence[sequence]?.payload["batch"]?.stringValue == batch, "acknowledged event \(sequence) of \(batch) missing")
            }
        }
        // Nothing partial: any batch present at all is present whole (including the
        // one in flight at each kill, which either committed entirely or not at all).
        let batches = Dictionary(grouping: all) { $0.payload["batch"]?.stringValue ?? "?" }
        for (batch, events) in batches {
            #expect(events.count == Int(events[0].payload["size"]?.intValue ?? -1), "batch \(batch) is partial")
        }
    }

    @Test("Two processes and this one share a file: all writes land, with unique sequences")
    func twoProcessesOneFile() async throws {
        let path = TemporaryFiles.newPath("shared")
        let store = try SQLiteEventStore(path: path)
        let bus = EventBus(store: store)
        let first = try ChildProcess(["publish-count", path, "1500", "child-a"])
        let second = try ChildProcess(["publish-count", path, "1500", "child-b"])
        for index in 0..<1500 {
            try await bus.publish(BillingEvent(type: Self.noted, payload: ["index": .int(Int64(index))], entityId: "parent"))
        }
        #expect(await first.waitForExit() == 0)
        #expect(await second.waitForExit() == 0)
        #expect(first.lines == ["done 1500"])
        #expect(second.lines == ["done 1500"])

        // This process's readers see the other processes' events.
        let all = try await store.events(matching: EventFilters())
        #expect(all.count == 4500)
        #expect(Set(all.map(\.sequence)).count == 4500)
        for entity in ["parent", "child-a", "child-b"] {
            let own = try await store.events(forEntity: entity, tenant: .any)
            #expect(own.map { $0.payload["index"]?.intValue } == (0..<1500).map { Optional(Int64($0)) }, "\(entity) out of order or incomplete")
        }
    }
}
