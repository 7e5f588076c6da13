@testable import BillingCore
@testable import BillingStore
import BilingusTestSupport
import Foundation
import Testing

/// The store's file vanishing, moving or being damaged under it, and foreign files.
@Suite("SQLite store: its file deleted, moved, damaged or foreign")
struct SQLiteFileIdentityTests {
    // MARK: Deleted or moved while open

    @Test(
        "Deleting or moving the database files under a running store fails later appends with storage.unavailable, and headSequence (health) reports it",
        arguments: ["database, -wal and -shm deleted", "database renamed", "-wal deleted", "database replaced"]
    )
    func fileGoneWhileOpen(change: String) async throws {
        let path = TemporaryFiles.newPath()
        let store = try SQLiteEventStore(path: path)
        let bus = EventBus(store: store)
        _ = try await bus.publish(BillingEvent(type: SQLiteEventStoreTests.noted, entityId: "u-1"))
        let files = FileManager.default
        switch change {
        case "database, -wal and -shm deleted":
            for suffix in ["", "-wal", "-shm"] { try files.removeItem(atPath: path + suffix) }
        case "database renamed":
            for suffix in ["", "-wal", "-shm"] { try files.moveItem(atPath: path + suffix, toPath: path + ".moved" + suffix) }
        case "-wal deleted":
            try files.removeItem(atPath: path + "-wal")
        default:
            try files.moveItem(atPath: path, toPath: path + ".old")
            try files.copyItem(atPath: path + ".old", toPath: path)
        }

        let publish = await outcome { try await bus.publish(BillingEvent(type: SQLiteEventStoreTests.noted, entityId: "u-1")) }
        #expect((publish.failure as? BillingError)?.code == .storageUnavailable, "publish after '\(change)': \(publish)")
        #expect((publish.failure as? BillingError)?.message.contains(path) == true)
        let append = await outcome { try await store.append([BillingEvent(type: .userUpdated)]) }
        #expect((append.failure as? BillingError)?.code == .storageUnavailable)
        let head = await outcome { try await store.headSequence() }
        #expect((head.failure as? BillingError)?.code == .storageUnavailable, "headSequence after '\(change)': \(head)")
        // What the store holds can still be read.
        #expect(try await store.events(forEntity: "u-1", tenant: .any).count == 1)
        try? await store.close()
    }

    @Test("A store whose files stay in place keeps committing, and reopens with every event")
    func untouchedStoreCommits() async throws {
        let path = TemporaryFiles.newPath()
        let store = try SQLiteEventStore(path: path)
        for index in 0..<50 {
            _ = try await store.append([BillingEvent(type: .userCreated, entityId: "u-\(index)")])
        }
        #expect(try await store.headSequence() == 50)
        try await store.close()
        let reopened = try SQLiteEventStore(path: path)
        #expect(try await reopened.headSequence() == 50)
        try await reopened.close()
    }

    #if os(Linux)
    @Test("The directory watch reports a name created, renamed or deleted, once, and nothing otherwise")
    func directoryWatch() async throws {
        let directory = TemporaryFiles.directory.appendingPathComponent("watch-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // Every open store holds an inotify instance, and the tests and their child processes
        // open many at once: wait for one of the user's 128 to come free (a store without one
        // stats instead, by design).
        var free = SQLiteDirectoryWatch(directory: directory)
        for _ in 0..<300 where free == nil {
            try await Task.sleep(for: .milliseconds(100))
            free = SQLiteDirectoryWatch(directory: directory)
        }
        let watch = try #require(free, "no inotify instance came free in 30 s (fs.inotify.max_user_instances)")
        #expect(!watch.changed())
        #expect(FileManager.default.createFile(atPath: directory + "/a", contents: Data("x".utf8)))
        #expect(watch.changed())
        #expect(!watch.changed(), "events are drained")
        let handle = try #require(FileHandle(forWritingAtPath: directory + "/a"))
        try handle.write(contentsOf: Data("more".utf8))
        try handle.close()
        #expect(!watch.changed(), "writing a file is not a change of names")
        try FileManager.default.moveItem(atPath: directory + "/a", toPath: directory + "/b")
        #expect(watch.changed())
        try FileManager.default.removeItem(atPath: directory + "/b")
        #expect(watch.changed())
    }
    #endif

    // MARK: A damaged page

    @Test("After a read meets a damaged page, appends are refused with storage.corrupt and headSequence reports it; quick_check at open finds it")
    func damagedPage() async throws {
        let path = TemporaryFiles.newPath()
        try await Self.writeEventsAndDamageALeafPage(path, "ORDER BY pageno LIMIT 1 OFFSET 2")

        // Without quick_check, the damage is not seen at open (it reads only the header and schema).
        let store = try SQLiteEventStore(path: path)
        let read = await outcome { try await store.events(matching: EventFilters()) }
        #expect((read.failure as? BillingError)?.code == .storageCorrupt, "\(read)")
        let append = await outcome { try await store.append([BillingEvent(type: .userCreated, entityId: "late")]) }
        #expect((append.failure as? BillingError)?.code == .storageCorrupt, "an append after the damage was met: \(append)")
        #expect((append.failure as? BillingError)?.message.contains(path) == true)
        let head = await outcome { try await store.headSequence() }
        #expect((head.failure as? BillingError)?.code == .storageCorrupt)
        try? await store.close()
        #expect(try Self.count(path, "SELECT count(*) FROM events WHERE entity_id = 'late'") == 0, "nothing was written into the damaged file")

        // With quick_check, the store refuses to open.
        let checked = Result { try SQLiteEventStore(path: path, configuration: .init(quickCheckOnOpen: true)) }
        #expect((checked.failure as? BillingError)?.code == .storageCorrupt, "\(checked)")
        #expect((checked.failure as? BillingError)?.message.contains("quick_check") == true)
        // And a healthy file passes it.
        let healthy = try SQLiteEventStore(path: TemporaryFiles.newPath(), configuration: .init(quickCheckOnOpen: true))
        _ = try await healthy.append([BillingEvent(type: .userCreated)])
        try await healthy.close()
    }

    @Test("After an append meets a damaged page, other writes are refused too (storage.corrupt)")
    func damagedPageMetByAWrite() async throws {
        let path = TemporaryFiles.newPath()
        // The rightmost leaf: where the next event goes.
        try await Self.writeEventsAndDamageALeafPage(path, "ORDER BY path DESC LIMIT 1")
        let store = try SQLiteEventStore(path: path)
        let append = await outcome { try await store.append([BillingEvent(type: .userCreated, entityId: "late")]) }
        #expect((append.failure as? BillingError)?.code == .storageCorrupt, "\(append)")
        // A write to another table, which the damage does not touch, is refused as well.
        let other = await outcome { try await store.executeOnWriter("UPDATE plugin_state_versions SET last = last + 1") }
        #expect((other.failure as? BillingError)?.code == .storageCorrupt, "\(other)")
        try? await store.close()
        #expect(try Self.count(path, "SELECT last FROM plugin_state_versions") == 0)
    }

    /// 2,000 events, closed (the WAL checkpointed into the file), then one leaf
    /// page of the events table (the first by `dbstat` in `order`) overwritten with 0xFF.
    static func writeEventsAndDamageALeafPage(_ path: String, _ order: String) async throws {
        let store = try SQLiteEventStore(path: path)
        let payload: JSONValue = ["note": .string(String(repeating: "x", count: 200))]
        for chunk in 0..<20 {
            _ = try await store.append((0..<100).map { BillingEvent(type: SQLiteEventStoreTests.noted, payload: payload, entityId: "e-\(chunk)-\($0)") })
        }
        try await store.close()
        let probe = try SQLiteConnection(path: path, mode: .readOnly)
        let page = try #require(try probe.scalarInt("SELECT pageno FROM dbstat WHERE name = 'events' AND pagetype = 'leaf' \(order)", "find a page"))
        let pageSize = try #require(try probe.scalarInt("PRAGMA page_size", "read the page size"))
        probe.close()
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        try handle.seek(toOffset: UInt64((page - 1) * pageSize))
        try handle.write(contentsOf: Data(repeating: 0xFF, count: Int(pageSize)))
        try handle.close()
    }

    static func count(_ path: String, _ sql: String) throws -> Int64? {
        let connection = try SQLiteConnection(path: path, mode: .readOnly)
        defer { connection.close() }
        return try connection.scalarInt(sql, "count")
    }
}

/// The outcome of an async call, to inspect its error's code.
func outcome<Value>(_ body: () async throws -> Value) async -> Result<Value, any Error> {
    do {
        return .success(try await body())
    } catch {
        return .failure(error)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
