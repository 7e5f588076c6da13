@testable import BillingCore
@testable import BillingStore
import BilingusTestSupport
import Foundation
import Testing

@Suite("SQLite store: read-only media, files and -shm")
struct SQLiteReadOnlyTests {
    @Test(
        "readOnly: true reads a WAL database on read-only media, where its -shm cannot be created (immutable=1)",
        .enabled(if: ReadOnlyMedia.availableMethod != nil, ReadOnlyMedia.unavailableReason)
    )
    func readOnlyMedia() async throws {
        let media = try ReadOnlyMedia()
        defer { media.remove() }
        let path = media.path("events.sqlite")
        let writable = try SQLiteEventStore(path: path)
        let stored = try await writable.append([BillingEvent(type: .userCreated, entityId: "u-1"), BillingEvent(type: .userUpdated, entityId: "u-1")])
        try await writable.close()
        #expect(media.seal(), "sealing with \(media.method.rawValue)")

        let store = try SQLiteEventStore(path: path, configuration: .init(readerCount: 2, readOnly: true))
        #expect(try await store.events(forEntity: "u-1", tenant: .any) == stored.map(\.event))
        #expect(try await store.headSequence() == 2)
        let append = await outcome { try await store.append([BillingEvent(type: .userCreated)]) }
        #expect((append.failure as? BillingError)?.code == .storageReadOnly)
        try await store.close()
        #expect(!FileManager.default.fileExists(atPath: path + "-shm"))
    }

    @Test(
        "On read-only media, a -wal holding commits not in the database file is refused by name, not silently skipped",
        .enabled(if: ReadOnlyMedia.availableMethod != nil, ReadOnlyMedia.unavailableReason)
    )
    func readOnlyMediaWithPendingWAL() async throws {
        let media = try ReadOnlyMedia()
        defer { media.remove() }
        // Copy a live store's database and WAL, as a backup taken without closing would.
        let source = TemporaryFiles.newPath()
        let live = try SQLiteEventStore(path: source)
        _ = try await live.append([BillingEvent(type: .userCreated, entityId: "u-1")])
        let path = media.path("events.sqlite")
        try FileManager.default.copyItem(atPath: source, toPath: path)
        try FileManager.default.copyItem(atPath: source + "-wal", toPath: path + "-wal")
        try await live.close()
        #expect(media.seal())

        let opened = Result { try SQLiteEventStore(path: path, configuration: .init(readOnly: true)) }
        let error = opened.failure as? BillingError
        #expect(error?.code == .storageReadOnly, "\(opened)")
        #expect(error?.message.contains(path + "-wal") == true, "\(error?.message ?? "")")
    }

    @Test(
        "A read-write open of a file on read-only media is storage.read_only, naming the file",
        .enabled(if: ReadOnlyMedia.availableMethod != nil, ReadOnlyMedia.unavailableReason)
    )
    func readWriteOnReadOnlyMedia() async throws {
        let media = try ReadOnlyMedia()
        defer { media.remove() }
        let path = media.path("events.sqlite")
        let writable = try SQLiteEventStore(path: path)
        _ = try await writable.append([BillingEvent(type: .userCreated)])
        try await writable.close()
        #expect(media.seal())

        let opened = Result { try SQLiteEventStore(path: path) }
        let error = opened.failure as? BillingError
        #expect(error?.code == .storageReadOnly, "\(media.method.rawValue): \(opened)")
        #expect(error?.message.contains(path) == true, "\(error?.message ?? "")")
        // A new database there is read-only too, naming the directory.
        let created = Result { try SQLiteEventStore(path: media.path("new.sqlite")) }
        #expect((created.failure as? BillingError)?.code == .storageReadOnly, "\(created)")
        #expect((created.failure as? BillingError)?.message.contains(media.directory) == true)
    }

    @Test(
        "A -shm that cannot be made writable (immutable) beside a writable database is named at open, not left to fail every append",
        .enabled(if: ReadOnlyMedia.canSealFile, "needs root and chattr +i support")
    )
    func staleReadOnlyShm() async throws {
        let path = TemporaryFiles.newPath()
        let store = try SQLiteEventStore(path: path)
        _ = try await store.append([BillingEvent(type: .userCreated)])
        let shm = try Data(contentsOf: URL(fileURLWithPath: path + "-shm"))
        try await store.close()
        try shm.write(to: URL(fileURLWithPath: path + "-shm"))
        #expect(ReadOnlyMedia.sealFile(path + "-shm"))
        defer { ReadOnlyMedia.unsealFile(path + "-shm") }

        let opened = Result { try SQLiteEventStore(path: path) }
        let error = opened.failure as? BillingError
        #expect(error?.code == .storageReadOnly, "\(opened)")
        #expect(error?.message.contains(path + "-shm") == true, "\(error?.message ?? "")")

        // Once the -shm is writable again, the store opens and writes.
        ReadOnlyMedia.unsealFile(path + "-shm")
        let reopened = try SQLiteEventStore(path: path)
        _ = try await reopened.append([BillingEvent(type: .userUpdated)])
        #expect(try await reopened.headSequence() == 2)
        try await reopened.close()
    }

    @Test(
        "A stale 0444 -shm does not keep a writable database read-only: it gets the database's mode again",
        .enabled(if: OtherUser.available, "cannot run the helper as a user other than root (setpriv), and root ignores file modes")
    )
    func stale0444ShmRepaired() async throws {
        let directory = TemporaryFiles.directory.appendingPathComponent("shm-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        #expect(OtherUser.own(directory))
        let path = directory + "/events.sqlite"
        let helper = ChildProcess.helperURL.path
        let first = OtherUser.run(helper, ["publish-count", path, "1", "first"])
        #expect(first.status == 0, "\(first.errors)")
        // A -shm left behind by an earlier run, owned by the same user, made read-only.
        #expect(FileManager.default.createFile(atPath: path + "-shm", contents: Data()))
        #expect(OtherUser.own(path + "-shm"))
        #expect(chmod(path + "-shm", 0o444) == 0)

        let second = OtherUser.run(helper, ["publish-count", path, "1", "second"])
        #expect(second.status == 0, "\(second.errors)")
        #expect(second.output.contains("done 1"))
        let store = try SQLiteEventStore(path: path, configuration: .init(readOnly: true))
        #expect(try await store.headSequence() == 2)
        try await store.close()
    }
}
