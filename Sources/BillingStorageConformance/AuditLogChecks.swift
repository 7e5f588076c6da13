import BillingCore
import Foundation

/// The audit log's storage: appends only by compare-and-set on a chain's head (so each chain
/// stays linear and gap-free), entries kept exactly, read in order, queried newest first,
/// checkpoints, and retention's cut.
enum AuditLogChecks {
    static let suite = "AuditLogStore"

    static let all: [StorageConformanceCheck] = [appendAndRead, compareAndSet, queries, checkpoints, prune]

    private static let start = Date(timeIntervalSince1970: 1_790_000_000.123_456)

    private static func at(_ seconds: Double) -> Date { start.addingTimeInterval(seconds) }

    /// Entries `sequences` of `chain`, hashes `h<chain><n>`, linked from `previous`.
    private static func entries(
        _ chain: String, _ sequences: ClosedRange<Int64>, tenant: String? = "t1", entity: String? = nil, user: String? = nil, type: String = "invoice.paid",
        at second: Double = 1
    ) -> [AuditEntryRecord] {
        sequences.map { sequence in
            AuditEntryRecord(
                chain: chain, sequence: sequence, kind: .event, type: type, tenantId: tenant, userId: user, entityId: entity, occurredAt: at(second),
                recordedAt: at(second + 0.5), summary: "entry \(sequence)", previousHash: sequence == 1 ? "start-\(chain)" : "h\(chain)\(sequence - 1)",
                hash: "h\(chain)\(sequence)")
        }
    }

    private static func head(_ chain: String, _ sequence: Int64) -> AuditChainHead {
        AuditChainHead(chain: chain, sequence: sequence, hash: sequence == 0 ? "start-\(chain)" : "h\(chain)\(sequence)", prunedHash: "start-\(chain)")
    }

    static let appendAndRead = StorageConformanceCheck(suite, "Entries append to a new chain and read back exactly, in order and in pages; heads list by chain") { store in
        try expectEqual(await store.auditChainHead("a"), nil, "a chain never appended to")
        var first = entries("a", 1...1)[0]
        first.kind = .action
        first.eventId = EventID(uuid: UUID(uuidString: "01890a5d-ac96-774b-bcce-b302099a8057")!)
        first.userId = "operator-1"
        first.entityId = "ep_1"
        first.correlationId = "corr"
        first.causationId = "cause"
        first.eventDigest = String(repeating: "ab", count: 32)
        first.details = ["plugin": "stripe", "changed": ["apiKey", "mode"], "note": "Ünïcode ✓"]
        try expect(try await store.appendAuditEntries([first], after: head("a", 0)), "the first append")
        try expect(try await store.appendAuditEntries(Array(entries("a", 2...5)), after: head("a", 1)), "the next four")
        try expect(try await store.appendAuditEntries(entries("b", 1...1, tenant: nil), after: head("b", 0)), "chain b")
        try expectEqual(await store.auditChainHead("a"), AuditChainHead(chain: "a", sequence: 5, hash: "ha5", prunedHash: "start-a"), "a's head")
        try expectEqual(await store.auditChainHeads().map(\.chain), ["a", "b"], "the chains")
        let stored = try await store.auditEntries(chain: "a", after: 0, limit: 10)
        try expectEqual(stored.map(\.sequence), [1, 2, 3, 4, 5], "a's entries in order")
        var expected = first
        expected.occurredAt = Timestamp.normalize(first.occurredAt)
        expected.recordedAt = Timestamp.normalize(first.recordedAt)
        try expectEqual(stored.first, expected, "the first entry, every field as given")
        try expectEqual(await store.auditEntry(eventId: try unwrap(first.eventId, "its event")), expected, "the entry found by its event")
        try expectEqual(await store.auditEntry(eventId: EventID(uuid: UUID(uuidString: "01890a5d-ac96-774b-bcce-b302099a8058")!)), nil, "no entry for another event")
        try expectEqual(await store.auditEntries(chain: "a", after: 2, limit: 2).map(\.sequence), [3, 4], "a page after 2")
        try expectEqual(await store.auditEntries(chain: "a", after: 5, limit: 2), [], "nothing after the head")
        try await expectThrows(code: .invalidArgument, "a limit of 0") { try await store.auditEntries(chain: "a", after: 0, limit: 0) }
    }

    static let compareAndSet = StorageConformanceCheck(suite, "An append from a stale head writes nothing; entries that do not continue the head are refused") { store in
        try expect(try await store.appendAuditEntries(entries("a", 1...2), after: head("a", 0)), "the first append")
        let newAgain = try await store.appendAuditEntries(entries("a", 1...1), after: head("a", 0))
        try expect(!newAgain, "a second 'new chain' append to be refused")
        let stale = try await store.appendAuditEntries(entries("a", 2...3), after: head("a", 1))
        try expect(!stale, "an append from the stale head 1 to be refused")
        var forged = head("a", 2)
        forged.hash = "not-the-head"
        let wrongHash = try await store.appendAuditEntries(
            entries("a", 3...3).map { var entry = $0; entry.previousHash = "not-the-head"; return entry }, after: forged)
        try expect(!wrongHash, "an append from a head with another hash to be refused")
        try expectEqual(await store.auditEntries(chain: "a", after: 0, limit: 10).map(\.sequence), [1, 2], "a after the refused appends")
        try await expectThrows(code: .invalidArgument, "a gap") { try await store.appendAuditEntries(entries("a", 4...4), after: head("a", 2)) }
        try await expectThrows(code: .invalidArgument, "another chain's entry") { try await store.appendAuditEntries(entries("b", 3...3), after: head("a", 2)) }
        try await expectThrows(code: .invalidArgument, "an entry not linked to the head") {
            try await store.appendAuditEntries(entries("a", 3...3).map { var entry = $0; entry.previousHash = "x"; return entry }, after: head("a", 2))
        }
        try expect(try await store.appendAuditEntries([], after: head("a", 2)), "an empty append")
        try expect(try await store.appendAuditEntries(entries("a", 3...3), after: head("a", 2)), "the append from the true head")
    }

    static let queries = StorageConformanceCheck(suite, "Queries by tenant, entity, type, user and time list newest first across chains, in pages") { store in
        _ = try await store.appendAuditEntries(entries("a", 1...1, entity: "inv-1", user: "u1", at: 10), after: head("a", 0))
        _ = try await store.appendAuditEntries(entries("a", 2...2, entity: "inv-2", user: "u2", type: "invoice.generated", at: 20), after: head("a", 1))
        _ = try await store.appendAuditEntries(entries("a", 3...3, entity: "inv-1", at: 30), after: head("a", 2))
        _ = try await store.appendAuditEntries(entries("b", 1...1, tenant: "t2", entity: "inv-1", user: "u1", at: 20), after: head("b", 0))
        _ = try await store.appendAuditEntries(entries("host", 1...1, tenant: nil, at: 5), after: head("host", 0))
        func found(_ query: AuditQuery, after: AuditEntryRecord? = nil, limit: Int = 10) async throws -> [String] {
            try await store.auditEntries(matching: query, after: after, limit: limit).map { "\($0.chain)\($0.sequence)" }
        }
        try expectEqual(await found(AuditQuery()), ["a3", "b1", "a2", "a1", "host1"], "everything, newest first (b1 and a2 tie at 20 s: chain order)")
        try expectEqual(await found(AuditQuery(tenant: .tenant("t1"))), ["a3", "a2", "a1"], "tenant t1")
        try expectEqual(await found(AuditQuery(tenant: .untenanted)), ["host1"], "no tenant")
        try expectEqual(await found(AuditQuery(entityId: "inv-1")), ["a3", "b1", "a1"], "entity inv-1")
        try expectEqual(await found(AuditQuery(type: "invoice.generated")), ["a2"], "type")
        try expectEqual(await found(AuditQuery(userId: "u1")), ["b1", "a1"], "user u1")
        try expectEqual(await found(AuditQuery(from: at(10), until: at(30))), ["b1", "a2", "a1"], "from 10 s (inclusive) until 30 s (exclusive)")
        try expectEqual(await found(AuditQuery(tenant: .tenant("t1"), entityId: "inv-1", from: at(15))), ["a3"], "filters together")
        let page = try await store.auditEntries(matching: AuditQuery(), after: nil, limit: 2)
        try expectEqual(await found(AuditQuery(), after: page.last), ["a2", "a1", "host1"], "the page after b1, across the tie")
        try await expectThrows(code: .invalidArgument, "a limit of 0") { try await store.auditEntries(matching: AuditQuery(), after: nil, limit: 0) }
    }

    static let checkpoints = StorageConformanceCheck(suite, "Checkpoints are kept in sequence order; a second one at the same place is refused") { store in
        _ = try await store.appendAuditEntries(entries("a", 1...4), after: head("a", 0))
        let later = AuditCheckpointRecord(chain: "a", sequence: 4, hash: "ha4", algorithm: "ed25519", keyId: "k1", signature: "c2ln", createdAt: at(40))
        let earlier = AuditCheckpointRecord(chain: "a", sequence: 2, hash: "ha2", algorithm: "none", createdAt: at(20))
        try await store.insertAuditCheckpoint(later)
        try await store.insertAuditCheckpoint(earlier)
        var expected = [earlier, later]
        for index in expected.indices { expected[index].createdAt = Timestamp.normalize(expected[index].createdAt) }
        try expectEqual(await store.auditCheckpoints(chain: "a"), expected, "a's checkpoints")
        try expectEqual(await store.auditCheckpoints(chain: "b"), [], "none for b")
        try expectEqual(await store.lastAuditCheckpoint(chain: "a"), expected.last, "a's newest, though it was stored first")
        try expectEqual(await store.lastAuditCheckpoint(chain: "b"), nil, "b's newest")
        try await expectThrows(code: .alreadyExists, "a second checkpoint at 4") { try await store.insertAuditCheckpoint(later) }
    }

    static let prune = StorageConformanceCheck(suite, "Retention cuts a chain's start at a stored entry, keeps the cut in the head, and appends go on") { store in
        _ = try await store.appendAuditEntries(entries("a", 1...4), after: head("a", 0))
        for sequence: Int64 in [1, 2, 4] {
            try await store.insertAuditCheckpoint(AuditCheckpointRecord(chain: "a", sequence: sequence, hash: "ha\(sequence)", algorithm: "none", createdAt: at(1)))
        }
        try expectEqual(await store.pruneAuditChain("a", through: 2), 2, "entries removed")
        try expectEqual(await store.auditEntries(chain: "a", after: 0, limit: 10).map(\.sequence), [3, 4], "the entries kept")
        try expectEqual(await store.auditCheckpoints(chain: "a").map(\.sequence), [2, 4], "the checkpoint at the cut and after it")
        try expectEqual(
            await store.auditChainHead("a"), AuditChainHead(chain: "a", sequence: 4, hash: "ha4", prunedThrough: 2, prunedHash: "ha2"), "the head with its cut")
        try await expectThrows(code: .invalidArgument, "a cut at or below the last one") { try await store.pruneAuditChain("a", through: 2) }
        try await expectThrows(code: .invalidArgument, "a cut past the head") { try await store.pruneAuditChain("a", through: 5) }
        try await expectThrows(code: .notFound, "an unknown chain") { try await store.pruneAuditChain("zz", through: 1) }
        var next = head("a", 4)
        next.prunedThrough = 2
        try expect(try await store.appendAuditEntries(entries("a", 5...5), after: next), "an append after the cut")
        try expectEqual(await store.pruneAuditChain("a", through: 5), 3, "a cut at the head")
        try expectEqual(await store.auditChainHead("a")?.sequence, 5, "the head stays")
        try expect(try await store.appendAuditEntries(entries("a", 6...6), after: head("a", 5)), "an append to a chain cut at its head")
    }
}
