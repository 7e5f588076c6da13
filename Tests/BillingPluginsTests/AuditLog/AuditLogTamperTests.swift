import BilingusTestSupport
import BillingCore
@testable import BillingPlugins
import BillingStore
import Foundation
import Testing

/// The audit log on a real SQLite file, changed behind its back with raw SQL on the same
/// file: `verify` must name the right entry and what is wrong with it.
@Suite("Audit log: tampering found by verify")
struct AuditLogTamperTests {
    /// A store with five `invoice.paid` events of tenant acme recorded (chain `tenant:acme`, entries 1 to 5).
    static func recorded() async throws -> (SQLiteEventStore, AuditLog, [BillingEvent]) {
        let store = try SQLiteEventStore(path: TemporaryFiles.newPath("audit"))
        let events = try (1...5).map { index in
            BillingEvent(
                type: try BillingEventType("invoice.paid"), payload: ["invoiceId": .string("inv-\(index)"), "amount": .int(Int64(index * 100))],
                tenantId: "acme", userId: "u-\(index)", entityId: "inv-\(index)")
        }
        _ = try await store.append(events)
        let audit = AuditLog(storage: store)
        for event in events { try await audit.record(event) }
        let intact = try await audit.verify(tenant: "acme")
        #expect(intact.isIntact && intact.entries == 5, "\(intact)")
        return (store, audit, events)
    }

    static func problem(_ audit: AuditLog) async throws -> AuditProblem? {
        try await audit.verify(tenant: "acme").problem
    }

    @Test("Every event becomes one entry in its tenant's chain; recording it again adds nothing; every chain verifies")
    func recordsOncePerEvent() async throws {
        let (store, audit, events) = try await Self.recorded()
        let again = try await audit.record(events[2])
        #expect(again.sequence == 3, "a redelivered event finds its entry")
        let other = BillingEvent(type: try BillingEventType("user.created"), payload: [:], tenantId: "globex")
        let untenanted = BillingEvent(type: try BillingEventType("currency.created"), payload: [:])
        _ = try await store.append([other, untenanted])
        try await audit.record(other)
        try await audit.record(untenanted)
        let results = try await audit.verifyAll()
        #expect(results.map(\.chain) == ["host", "tenant:acme", "tenant:globex"])
        #expect(results.map(\.entries) == [1, 5, 1])
        #expect(results.allSatisfy { $0.isIntact })
        let entry = try #require(try await store.auditEntry(eventId: events[0].id))
        #expect(entry.summary == "invoice.paid inv-1 (user u-1)" && entry.eventDigest == AuditChainFormat.digest(of: events[0]))
        try await store.close()
    }

    @Test("A field changed in an entry: content_changed at that entry")
    func editedField() async throws {
        let (store, audit, _) = try await Self.recorded()
        try await store.executeOnWriter("UPDATE audit_entries SET summary = 'invoice.paid inv-3 (refunded)' WHERE chain = 'tenant:acme' AND sequence = 3")
        let problem = try await Self.problem(audit)
        #expect(problem?.kind == .contentChanged && problem?.sequence == 3, "\(String(describing: problem))")
        try await store.close()
    }

    @Test("A deleted entry: entry_missing at its sequence, in the middle or at the end")
    func deletedRow() async throws {
        let (store, audit, _) = try await Self.recorded()
        try await store.executeOnWriter("DELETE FROM audit_entries WHERE chain = 'tenant:acme' AND sequence = 5")
        let tail = try await Self.problem(audit)
        #expect(tail?.kind == .entryMissing && tail?.sequence == 5, "\(String(describing: tail))")
        try await store.executeOnWriter("DELETE FROM audit_entries WHERE chain = 'tenant:acme' AND sequence = 2")
        let middle = try await Self.problem(audit)
        #expect(middle?.kind == .entryMissing && middle?.sequence == 2, "\(String(describing: middle))")
        try await store.close()
    }

    @Test("Two entries swapped: entry_reordered at the first of them")
    func swappedRows() async throws {
        let (store, audit, _) = try await Self.recorded()
        for sql in [
            "UPDATE audit_entries SET sequence = -2 WHERE chain = 'tenant:acme' AND sequence = 2",
            "UPDATE audit_entries SET sequence = 2 WHERE chain = 'tenant:acme' AND sequence = 3",
            "UPDATE audit_entries SET sequence = 3 WHERE chain = 'tenant:acme' AND sequence = -2",
        ] {
            try await store.executeOnWriter(sql)
        }
        let problem = try await Self.problem(audit)
        #expect(problem?.kind == .entryReordered && problem?.sequence == 2, "\(String(describing: problem))")
        try await store.close()
    }

    @Test("An event changed or deleted in the events table: event_changed or event_missing at its entry")
    func changedEvent() async throws {
        let (store, audit, _) = try await Self.recorded()
        try await store.executeOnWriter(#"UPDATE events SET payload = '{"amount":1,"invoiceId":"inv-4"}' WHERE sequence = 4"#)
        let changed = try await Self.problem(audit)
        #expect(changed?.kind == .eventChanged && changed?.sequence == 4, "\(String(describing: changed))")
        try await store.executeOnWriter("DELETE FROM events WHERE sequence = 2")
        let missing = try await Self.problem(audit)
        #expect(missing?.kind == .eventMissing && missing?.sequence == 2, "\(String(describing: missing))")
        try await store.close()
    }

    @Test("A checkpoint naming another hash: checkpoint_mismatch at its sequence")
    func checkpointMismatch() async throws {
        let (store, audit, _) = try await Self.recorded()
        try await store.insertAuditCheckpoint(
            AuditCheckpointRecord(chain: "tenant:acme", sequence: 4, hash: String(repeating: "0", count: 64), algorithm: "none", createdAt: Date()))
        let problem = try await Self.problem(audit)
        #expect(problem?.kind == .checkpointMismatch && problem?.sequence == 4, "\(String(describing: problem))")
        try await store.close()
    }

    @Test("Concurrent appenders keep a chain linear: 40 actions and 20 events at once, every entry once, the chain intact")
    func concurrentAppends() async throws {
        let store = try SQLiteEventStore(path: TemporaryFiles.newPath("audit-concurrent"))
        let events = try (0..<20).map { BillingEvent(type: try BillingEventType("invoice.paid"), payload: ["n": .int(Int64($0))], tenantId: "acme") }
        _ = try await store.append(events)
        let audit = AuditLog(storage: store)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<40 {
                group.addTask { try await audit.record(action: "plugin.install", by: "operator-\(index % 3)", tenant: "acme", summary: "installed \(index)") }
            }
            for event in events { group.addTask { try await audit.record(event) } }
            try await group.waitForAll()
        }
        let result = try await audit.verify(tenant: "acme")
        #expect(result.isIntact && result.entries == 60, "\(result)")
        let entries = try await store.auditEntries(chain: "tenant:acme", after: 0, limit: 100)
        #expect(entries.map(\.sequence) == Array(1...60))
        #expect(Set(entries.compactMap(\.eventId)).count == 20)
        await #expect(throws: BillingError.self) { try await audit.record(action: "plugin.install", by: "", summary: "nobody") }
        try await store.close()
    }
}
