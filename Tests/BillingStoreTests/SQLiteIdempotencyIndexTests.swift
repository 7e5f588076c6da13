@testable import BillingCore
@testable import BillingStore
import BilingusTestSupport
import Foundation
import Testing

/// The idempotency index holds an 8-byte hash of (tenant, key): a filter, never the
/// decision. Collisions are made in SQL (a stored row given another key's hash), since
/// a real 64-bit collision cannot be found in a test.
@Suite("SQLite idempotency index")
struct SQLiteIdempotencyIndexTests {
    static let noted = try! BillingEventType("ledger.noted")

    static func event(tenant: String?, key: String, amount: Int64 = 1) -> BillingEvent {
        BillingEvent(type: noted, payload: ["amount": .int(amount)], tenantId: tenant, idempotencyKey: key)
    }

    @Test("Two different keys with the same hash are both stored, and each is still deduplicated")
    func collidingKeysAreBothStored() async throws {
        let store = try SQLiteEventStore(path: TemporaryFiles.newPath())
        let otherKey = Self.event(tenant: "t", key: "key-a")
        let otherTenant = Self.event(tenant: "u", key: "key-b")
        let missingTenant = Self.event(tenant: nil, key: "key-b")
        _ = try await store.append([otherKey, otherTenant, missingTenant])
        // Give all three the hash of tenant "t" and key "key-b".
        let hash = SQLiteIdempotencyHash.hash(tenantId: "t", key: "key-b")
        try await store.executeOnWriter("UPDATE events SET idempotency_hash = \(hash)")
        #expect(try await store.scalarOnWriter("SELECT count(DISTINCT idempotency_hash) FROM events") == 1)

        let offered = Self.event(tenant: "t", key: "key-b")
        let stored = try await store.append([offered])[0]
        #expect(stored.isNew, "a colliding hash of another key or tenant is not a duplicate")
        #expect(try await store.headSequence() == 4)

        let retry = Self.event(tenant: "t", key: "key-b")
        let again = try await store.append([retry])[0]
        #expect(again.isDuplicate)
        #expect(again.event.id == offered.id)
        let conflicting = Self.event(tenant: "t", key: "key-b", amount: 2)
        await #expect(throws: BillingError.self) { _ = try await store.append([conflicting]) }
        #expect(try await store.event(tenantId: "t", idempotencyKey: "key-b")?.id == offered.id)
        // (The tampered rows are found by their own hash no more; the rows are all there.)
        #expect(try await store.scalarOnWriter("SELECT count(*) FROM events WHERE idempotency_key = 'key-b'") == 3)
        #expect(try await store.headSequence() == 4)
    }

    @Test("The hash is stable and separates tenant from key")
    func hashIsStable() {
        // Written into files: these values must never change.
        #expect(SQLiteIdempotencyHash.hash(tenantId: nil, key: "k") == SQLiteIdempotencyHash.hash(tenantId: "", key: "k"))
        #expect(SQLiteIdempotencyHash.hash(tenantId: "ab", key: "c") != SQLiteIdempotencyHash.hash(tenantId: "a", key: "bc"))
        #expect(SQLiteIdempotencyHash.hash(tenantId: "t", key: "key") == -30_442_357_217_701_645)
    }

    @Test("Key lookups and the insert's duplicate check are served by the hash index")
    func lookupsUseTheIndex() async throws {
        let store = try SQLiteEventStore(path: TemporaryFiles.newPath())
        let lookup = try await store.queryPlan(sql: SQLiteReads.keyLookupSQL)
        #expect(lookup.joined().contains("events_idempotency"), "\(lookup)")
        let insert = try await store.queryPlan(sql: SQLiteEventRow.insertSQL)
        #expect(insert.joined().contains("events_idempotency"), "\(insert)")
        #expect(!insert.contains { $0.contains("SCAN events") }, "\(insert)")
    }

    @Test("A file of schema 3 (unique index on the key text) migrates forward: its keys are hashed and still deduplicate")
    func schemaThreeMigratesForward() async throws {
        let path = TemporaryFiles.newPath()
        let old = try SQLiteEventStore(path: path)
        let keyed = (0..<30).map { Self.event(tenant: $0 % 2 == 0 ? "t" : nil, key: "key-\($0)") }
        _ = try await old.append(keyed + [BillingEvent(type: Self.noted)])
        // Back to schema 3, as an earlier Bilingus left the file.
        for sql in [
            "DROP INDEX events_idempotency", "ALTER TABLE events DROP COLUMN idempotency_hash",
            "CREATE UNIQUE INDEX events_idempotency ON events(coalesce(tenant_id, ''), idempotency_key) WHERE idempotency_key IS NOT NULL",
            "DROP TABLE webhook_attempts", "DROP TABLE webhook_messages", "DROP TABLE webhook_endpoints",
            "DROP TABLE audit_checkpoints", "DROP TABLE audit_entries", "DROP TABLE audit_chains",
            "DELETE FROM schema_migrations WHERE version >= 4",
        ] {
            try await old.executeOnWriter(sql)
        }
        try await old.close()

        // A read-only store reads the old file as it is.
        let readOnly = try SQLiteEventStore(path: path, configuration: .init(readOnly: true))
        #expect(try await readOnly.event(tenantId: "t", idempotencyKey: "key-4")?.id == keyed[4].id)
        try await readOnly.close()

        let migrated = try SQLiteEventStore(path: path)
        #expect(try await migrated.scalarOnWriter("SELECT max(version) FROM schema_migrations") == SQLiteSchema.latestVersion)
        #expect(try await migrated.scalarOnWriter("SELECT count(*) FROM events WHERE idempotency_key IS NOT NULL AND idempotency_hash IS NULL") == 0)
        #expect(try await migrated.scalarOnWriter("SELECT count(*) FROM events WHERE idempotency_key IS NULL AND idempotency_hash IS NOT NULL") == 0)
        let retried = try await migrated.append([Self.event(tenant: nil, key: "key-7"), Self.event(tenant: "t", key: "key-8")])
        #expect(retried.allSatisfy { $0.isDuplicate })
        #expect(retried.map(\.event.id) == [keyed[7].id, keyed[8].id])
        #expect(try await migrated.event(tenantId: "t", idempotencyKey: "key-4")?.id == keyed[4].id)
        #expect(try await migrated.append([Self.event(tenant: "t", key: "key-7")])[0].isNew, "key-7 was stored without a tenant")
        #expect(try await migrated.integrityCheck() == ["ok"])
    }
}
