import BilingusTestSupport
import BillingCore
@testable import BillingPlugins
import BillingStore
import Foundation
import Synchronization
import Testing

/// Retention: a chain is cut only at a checkpoint, and what is left verifies, here and offline.
@Suite("Audit log: retention")
struct AuditRetentionTests {
    /// A wall clock the test sets.
    final class SetClock: Sendable {
        let now = Mutex(Date(timeIntervalSince1970: 1_790_000_000))
        var wallClock: WallClock { WallClock { [self] in now.withLock { $0 } } }
        func advance(days: Double) { now.withLock { $0 = $0.addingTimeInterval(days * 86_400) } }
    }

    @Test("Keeping 5 days cuts at the newest checkpoint older than that; the rest verifies, and so does its export offline")
    func pruneAtCheckpoint() async throws {
        let store = try SQLiteEventStore(path: TemporaryFiles.newPath("audit-retention"))
        let clock = SetClock()
        let key = try AuditSigningKey.hmacSHA256(id: "hmac-1", secret: Array(repeating: 3, count: 32))
        let audit = AuditLog(storage: store, signingKey: key, wallClock: clock.wallClock)
        for round in 0..<3 {
            for index in 0..<3 { try await audit.record(action: "plugin.load", by: "operator", tenant: "acme", summary: "round \(round), \(index)") }
            try await audit.checkpoint()
            clock.advance(days: 4)
        }
        // Checkpoints at 3 (day 0), 6 (day 4) and 9 (day 8); it is day 12 now: keep 5 days.
        let removed = try await audit.prune(recordedBefore: clock.wallClock.now().addingTimeInterval(-5 * 86_400))
        #expect(removed == 6, "cut at 6, the newest checkpoint recorded before day 7")
        let head = try #require(try await store.auditChainHead("tenant:acme"))
        #expect(head.prunedThrough == 6 && head.sequence == 9)
        let result = try await audit.verify(tenant: "acme")
        #expect(result.isIntact && result.entries == 3 && result.checkpoints == 2, "\(result)")
        let nothingOlder = try await audit.prune(recordedBefore: clock.wallClock.now().addingTimeInterval(-5 * 86_400))
        #expect(nothingOlder == 0)

        let url = URL(fileURLWithPath: TemporaryFiles.newPath("audit-retention") + ".jsonl")
        try await audit.export(to: url)
        let hex = Array(repeating: "03", count: 32).joined()
        let offline = try TestPython.run("Examples/AuditVerifier/verify_audit_export.py", [url.path, "--key", "hmac-1:hmac-sha256:\(hex)"])
        #expect(offline.status == 0 && offline.output == "ok tenant:acme: 3 entries, 2 checkpoints\n", "\(offline.output)")

        try await store.executeOnWriter("DELETE FROM audit_checkpoints WHERE chain = 'tenant:acme' AND sequence = 6")
        let cutWithoutCheckpoint = try await audit.verify(tenant: "acme").problem
        #expect(cutWithoutCheckpoint?.kind == .checkpointMismatch && cutWithoutCheckpoint?.sequence == 6, "\(String(describing: cutWithoutCheckpoint))")
        try await store.close()
    }
}
