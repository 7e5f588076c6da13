@testable import BillingCore
@testable import BillingStore
import BilingusTestSupport
import Foundation
import Testing

@Suite("SQLite store: foreign databases are refused untouched; ours are marked")
struct SQLiteForeignFileTests {
    /// Another application's databases, as SQL run on a fresh file.
    static let foreign: [String: [String]] = [
        "its own events table": [
            "CREATE TABLE events (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
            "INSERT INTO events (name) VALUES ('launch')",
        ],
        "only customers": [
            "CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT)",
            "INSERT INTO customers (email) VALUES ('ada@example.com')",
        ],
        "a Rails schema_migrations": [
            "CREATE TABLE schema_migrations (version varchar NOT NULL PRIMARY KEY)",
            "INSERT INTO schema_migrations VALUES ('20240202000000')",
        ],
        "our table shapes under another application id": [
            "PRAGMA application_id = 1234",
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
        ],
        "our schema_migrations shape with other names": [
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
            "INSERT INTO schema_migrations VALUES (1, 'create users', 0)",
        ],
    ]

    @Test(
        "A non-empty database that is not ours is refused as 'not a Bilingus database', and not a byte of it changes",
        arguments: foreign.keys.sorted(), [false, true]
    )
    func foreignRefusedUntouched(kind: String, readOnly: Bool) async throws {
        let path = TemporaryFiles.newPath("foreign")
        let setup = try SQLiteConnection(path: path, mode: .readWrite)
        for sql in Self.foreign[kind] ?? [] { try setup.execute(sql, "set up a foreign database") }
        setup.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))

        let opened = Result { try SQLiteEventStore(path: path, configuration: .init(readOnly: readOnly)) }
        let error = opened.failure as? BillingError
        #expect(error?.code == .storageCorrupt, "\(kind): \(opened)")
        #expect(error?.message.contains("is not a Bilingus database") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains(path) == true)

        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before, "\(kind): the file changed")
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"), "\(kind): switched to WAL")
    }

    @Test("A foreign WAL database whose -wal still holds commits is refused, and neither file changes (no checkpoint on close)")
    func foreignHotWALUntouched() async throws {
        let source = TemporaryFiles.newPath("foreign-wal")
        let setup = try SQLiteConnection(path: source, mode: .readWrite)
        _ = try setup.scalarText("PRAGMA journal_mode = WAL", "switch to WAL")
        try setup.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT)", "set up")
        try setup.execute("INSERT INTO customers (email) VALUES ('ada@example.com')", "set up")
        // A copy taken while it is open: the commits are in the -wal only, as after a crash.
        let path = TemporaryFiles.newPath("foreign-wal-copy")
        try FileManager.default.copyItem(atPath: source, toPath: path)
        try FileManager.default.copyItem(atPath: source + "-wal", toPath: path + "-wal")
        setup.close()
        let database = try Data(contentsOf: URL(fileURLWithPath: path))
        let wal = try Data(contentsOf: URL(fileURLWithPath: path + "-wal"))
        #expect(!wal.isEmpty)

        let opened = Result { try SQLiteEventStore(path: path) }
        #expect((opened.failure as? BillingError)?.message.contains("is not a Bilingus database") == true, "\(opened)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == database, "the database file changed")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path + "-wal")) == wal, "the -wal changed")
    }

    @Test("A new database is marked with the Bilingus application id")
    func newFileMarked() async throws {
        let path = TemporaryFiles.newPath()
        let store = try SQLiteEventStore(path: path)
        #expect(try await store.scalarOnWriter("PRAGMA application_id") == SQLiteFileOwnership.applicationID)
        #expect(SQLiteFileOwnership.applicationID == 0x424C_4753)
        try await store.close()
        // An empty file (created by touch, say) is new too.
        let touched = TemporaryFiles.newPath()
        #expect(FileManager.default.createFile(atPath: touched, contents: Data()))
        let fromEmpty = try SQLiteEventStore(path: touched)
        #expect(try await fromEmpty.scalarOnWriter("PRAGMA application_id") == SQLiteFileOwnership.applicationID)
        try await fromEmpty.close()
    }

    @Test("A Bilingus file from before the application id opens, keeps its events, and is marked")
    func unmarkedBilingusFileAdopted() async throws {
        let path = TemporaryFiles.newPath()
        let store = try SQLiteEventStore(path: path)
        let stored = try await store.append([BillingEvent(type: .userCreated, entityId: "u-1")])[0].event
        try await store.executeOnWriter("PRAGMA application_id = 0")
        try await store.close()
        #expect(try SQLiteFileIdentityTests.count(path, "PRAGMA application_id") == 0)

        let readOnly = try SQLiteEventStore(path: path, configuration: .init(readOnly: true))
        #expect(try await readOnly.events(forEntity: "u-1", tenant: .any) == [stored])
        try await readOnly.close()

        let reopened = try SQLiteEventStore(path: path)
        #expect(try await reopened.events(forEntity: "u-1", tenant: .any) == [stored])
        #expect(try await reopened.scalarOnWriter("PRAGMA application_id") == SQLiteFileOwnership.applicationID)
        try await reopened.close()
    }

    @Test("A Bilingus file newer than this version is still refused with storage.schema_too_new")
    func newerBilingusFile() async throws {
        let path = TemporaryFiles.newPath()
        let store = try SQLiteEventStore(path: path)
        try await store.executeOnWriter("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'from the future', 0)")
        try await store.close()
        let opened = Result { try SQLiteEventStore(path: path) }
        #expect((opened.failure as? BillingError)?.code == .storageSchemaTooNew)
    }
}
