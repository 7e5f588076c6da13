import BilingusTestSupport
import BillingCore
@testable import BillingPlugins
import BillingStore
import Foundation
import Testing

/// Checkpoints: what a signed head protects against that the chain alone cannot, a rewrite
/// of the whole chain by someone who can write the tables.
@Suite("Audit log: checkpoints")
struct AuditCheckpointTests {
    /// Rewrites entry 2's summary and every hash after it, the head included: a consistent chain.
    static func rewriteChain(_ store: SQLiteEventStore) async throws {
        var entries = try await store.auditEntries(chain: "tenant:acme", after: 0, limit: 100)
        entries[1].summary = "invoice.paid inv-2 (waived)"
        var previous = entries[0].hash
        for index in 1..<entries.count {
            let hash = try #require(AuditChainFormat.hash(entries[index], after: previous))
            let summary = entries[index].summary.replacingOccurrences(of: "'", with: "''")
            try await store.executeOnWriter(
                "UPDATE audit_entries SET summary = '\(summary)', previous_hash = '\(previous)', hash = '\(hash)' WHERE chain = 'tenant:acme' AND sequence = \(entries[index].sequence)"
            )
            previous = hash
        }
        try await store.executeOnWriter("UPDATE audit_chains SET head_hash = '\(previous)' WHERE chain = 'tenant:acme'")
    }

    static func recorded(signingKey: AuditSigningKey?) async throws -> (SQLiteEventStore, AuditLog) {
        let store = try SQLiteEventStore(path: TemporaryFiles.newPath("audit-checkpoint"))
        let events = try (1...4).map { BillingEvent(type: try BillingEventType("invoice.paid"), payload: ["n": .int(Int64($0))], tenantId: "acme", entityId: "inv-\($0)") }
        _ = try await store.append(events)
        let audit = AuditLog(storage: store, signingKey: signingKey)
        for event in events { try await audit.record(event) }
        return (store, audit)
    }

    @Test("A checkpoint states each moved head once; signed with Ed25519 it verifies with the public key alone")
    func checkpointsAreMadeAndVerify() async throws {
        let key = try AuditSigningKey.generateEd25519(id: "audit-2026")
        let (store, audit) = try await Self.recorded(signingKey: key)
        let made = try await audit.checkpoint()
        #expect(made.map(\.sequence) == [4] && made.first?.algorithm == "ed25519" && made.first?.keyId == "audit-2026")
        let again = try await audit.checkpoint()
        #expect(again.isEmpty, "no new checkpoint while the head stands still")
        let auditor = AuditLog(storage: store, verificationKeys: [try .ed25519(id: "audit-2026", publicKey: try #require(key.verificationKey.ed25519PublicKey))])
        let result = try await auditor.verify(tenant: "acme")
        #expect(result.isIntact && result.checkpoints == 1, "\(result)")
        try await store.close()
    }

    @Test("A consistently rewritten chain passes the chain check; its signed checkpoint finds it, even with the checkpoint's hash rewritten too")
    func signedCheckpointFindsARewrite() async throws {
        let key = try AuditSigningKey.hmacSHA256(id: "hmac-1", secret: Array(repeating: 7, count: 32))
        let (store, audit) = try await Self.recorded(signingKey: key)
        try await audit.checkpoint()
        try await Self.rewriteChain(store)
        let found = try await audit.verify(tenant: "acme").problem
        #expect(found?.kind == .checkpointMismatch && found?.sequence == 4, "\(String(describing: found))")
        let head = try #require(try await store.auditChainHead("tenant:acme"))
        try await store.executeOnWriter("UPDATE audit_checkpoints SET hash = '\(head.hash)' WHERE chain = 'tenant:acme'")
        let forged = try await audit.verify(tenant: "acme").problem
        #expect(forged?.kind == .checkpointMismatch && forged?.message.contains("does not verify") == true, "\(String(describing: forged))")
        try await store.close()
    }

    @Test("Without a key a checkpoint only dates a head: a rewrite that also rewrites it goes unnoticed (the documented limit)")
    func unsignedCheckpointsCanBeRewritten() async throws {
        let (store, audit) = try await Self.recorded(signingKey: nil)
        let made = try await audit.checkpoint()
        #expect(made.first?.algorithm == "none" && made.first?.signature == nil)
        try await Self.rewriteChain(store)
        let head = try #require(try await store.auditChainHead("tenant:acme"))
        try await store.executeOnWriter("UPDATE audit_checkpoints SET hash = '\(head.hash)' WHERE chain = 'tenant:acme'")
        let result = try await audit.verify(tenant: "acme")
        #expect(result.isIntact, "an unsigned chain and checkpoint rewritten together verify: \(result)")
        try await store.close()
    }

    @Test("With keys given, an unsigned checkpoint or one signed with an unknown key is a mismatch")
    func keysRequireSignatures() async throws {
        let (store, unsigned) = try await Self.recorded(signingKey: nil)
        try await unsigned.checkpoint()
        let key = try AuditSigningKey.hmacSHA256(id: "hmac-1", secret: Array(repeating: 9, count: 32))
        let strict = AuditLog(storage: store, verificationKeys: [key.verificationKey])
        let notSigned = try await strict.verify(tenant: "acme").problem
        #expect(notSigned?.kind == .checkpointMismatch && notSigned?.message.contains("not signed") == true, "\(String(describing: notSigned))")
        let other = try AuditSigningKey.hmacSHA256(id: "hmac-2", secret: Array(repeating: 1, count: 32))
        let unknown = try await AuditLog(storage: store, verificationKeys: [other.verificationKey]).verify(tenant: "acme").problem
        #expect(unknown?.kind == .checkpointMismatch, "\(String(describing: unknown))")
        #expect(throws: BillingError.self) { try AuditSigningKey.hmacSHA256(id: "short", secret: [1, 2, 3]) }
        #expect(throws: BillingError.self) { try AuditSigningKey.ed25519(id: "bad", privateKey: [1]) }
        try await store.close()
    }
}
