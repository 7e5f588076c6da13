import BilingusTestSupport
import BillingCore
@testable import BillingPlugins
import BillingStore
import Foundation
import Testing

/// Export as JSON Lines, verified offline by Examples/AuditVerifier/verify_audit_export.py
/// (Python's hashlib and hmac, and the PyPI package `cryptography` for Ed25519: nothing of
/// ours), and a tampered export that it refuses.
@Suite("Audit log: export verified offline")
struct AuditExportTests {
    static let verifier = "Examples/AuditVerifier/verify_audit_export.py"

    /// Two chains (acme: 4 events and an action; host: 1 event), checkpointed with `key`, exported.
    static func exported(_ key: AuditSigningKey) async throws -> URL {
        let store = try SQLiteEventStore(path: TemporaryFiles.newPath("audit-export"))
        let events = try (1...4).map { BillingEvent(type: try BillingEventType("invoice.paid"), payload: ["note": .string("ß ✓ \($0)")], tenantId: "acme") }
            + [BillingEvent(type: try BillingEventType("currency.created"), payload: [:])]
        _ = try await store.append(events)
        let audit = AuditLog(storage: store, signingKey: key)
        for event in events { try await audit.record(event) }
        try await audit.record(action: "webhook.secret.rotate", by: "operator-1", tenant: "acme", entity: "ep_1", summary: "rotated ep_1's secret")
        try await audit.checkpoint()
        let url = URL(fileURLWithPath: TemporaryFiles.newPath("audit-export") + ".jsonl")
        let written = try await audit.export(to: url)
        #expect(written == 6)
        try await store.close()
        return url
    }

    static func keyArgument(_ key: AuditSigningKey) throws -> [String] {
        let hex = try #require(key.verificationKey.ed25519PublicKey).map { String(format: "%02x", $0) }.joined()
        return ["--key", "\(key.id):ed25519:\(hex)"]
    }

    @Test("An export verifies offline, signatures included, with the Ed25519 public key alone")
    func exportVerifies() async throws {
        let key = try AuditSigningKey.generateEd25519(id: "audit-1")
        let url = try await Self.exported(key)
        let (status, output) = try TestPython.run(Self.verifier, [url.path] + Self.keyArgument(key))
        #expect(status == 0, "\(output)")
        #expect(output == "ok host: 1 entries, 1 checkpoints\nok tenant:acme: 5 entries, 1 checkpoints\n")
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2 + 6 + 2, "a chain line, its entries and its checkpoint, per chain")
    }

    @Test("A tampered export fails offline: an edited entry, a removed one, or a checkpoint under another key")
    func tamperedExportFails() async throws {
        let key = try AuditSigningKey.generateEd25519(id: "audit-1")
        let url = try await Self.exported(key)
        let original = try String(contentsOf: url, encoding: .utf8)

        try original.replacingOccurrences(of: "rotated ep_1", with: "created ep_1").write(to: url, atomically: true, encoding: .utf8)
        let edited = try TestPython.run(Self.verifier, [url.path])
        #expect(edited.status == 1 && edited.output.contains("FAIL tenant:acme at 5: entry 5 does not hash to its recorded hash"), "\(edited.output)")

        let lines = original.split(separator: "\n", omittingEmptySubsequences: false)
        let withoutThird = lines.filter { !($0.contains(#""record":"entry""#) && $0.contains(#""chain":"tenant:acme""#) && $0.hasSuffix(#""sequence":3}"#)) }
        try withoutThird.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        let removed = try TestPython.run(Self.verifier, [url.path])
        #expect(removed.status == 1 && removed.output.contains("FAIL tenant:acme at 3: entry 3 is missing"), "\(removed.output)")

        try original.write(to: url, atomically: true, encoding: .utf8)
        let other = try AuditSigningKey.generateEd25519(id: "audit-1")
        let wrongKey = try TestPython.run(Self.verifier, [url.path] + Self.keyArgument(other))
        #expect(wrongKey.status == 1 && wrongKey.output.contains("signature that does not verify"), "\(wrongKey.output)")
    }

    @Test("An export that cannot be written leaves nothing behind")
    func failedExportLeavesNothing() async throws {
        let audit = AuditLog(storage: InMemoryEventStore())
        let missing = URL(fileURLWithPath: TemporaryFiles.newPath("no-such-folder")).appendingPathComponent("export.jsonl")
        await #expect(throws: BillingError.self) { try await audit.export(to: missing) }
        #expect(!FileManager.default.fileExists(atPath: missing.path))
    }
}
