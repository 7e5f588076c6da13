import BilingusTestSupport
import Bilingus
import Foundation
import Testing

/// The audit log on an engine: its durable subscription records every event the engine
/// stores, its own and the host's, from the store's first.
@Suite("Audit log on an engine")
struct AuditLogEngineTests {
    @Test("The audit subscription records every event once, in its tenant's chain, and every chain verifies")
    func subscriptionRecordsEveryEvent() async throws {
        let path = TemporaryFiles.newPath("audit-engine")
        var configuration = BillingEngine.Configuration()
        configuration.subscriptions.pollInterval = .milliseconds(20)
        try await BillingEngine.withEngine(configuration, storage: .sqlite(path: path), logger: quietLogger) { engine in
            let before = BillingEvent(type: try BillingEventType("shipment.sent"), payload: ["n": 0], tenantId: "acme")
            try await engine.events.publish(before)
            let audit = AuditLog(storage: engine.storage)
            try await audit.subscribe(on: engine.subscriptions)
            let later = try (1...3).map { BillingEvent(type: try BillingEventType("shipment.sent"), payload: ["n": .int(Int64($0))], tenantId: $0 == 3 ? nil : "acme") }
            for event in later { try await engine.events.publish(event) }
            let stored = try await engine.storage.headSequence()
            var caughtUp = false
            for _ in 0..<3_000 where !caughtUp {
                caughtUp = try await engine.subscriptions.status(of: AuditLog.subscription).cursor >= stored
                if !caughtUp { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(caughtUp, "the audit subscription caught up")
            let results = try await audit.verifyAll()
            #expect(results.map(\.chain) == ["host", "tenant:acme"])
            #expect(results.map(\.entries) == [1, 3], "the event published before it subscribed too")
            #expect(results.allSatisfy { $0.isIntact })
            let acme = try await audit.entries(matching: AuditQuery(tenant: .tenant("acme")))
            #expect(acme.map(\.eventId) == [later[1].id, later[0].id, before.id], "newest first")
        }
    }
}

/// The engine's own audit log (`Configuration.audit`).
@Suite("Audit log configured on the engine")
struct AuditLogConfiguredTests {
    @Test("With Configuration.audit the engine records every event, and checkpoints its chains at graceful shutdown, signed")
    func engineRecordsAndCheckpoints() async throws {
        let path = TemporaryFiles.newPath("audit-configured")
        let key = try AuditSigningKey.generateEd25519(id: "audit-1")
        var configuration = BillingEngine.Configuration()
        configuration.subscriptions.pollInterval = .milliseconds(20)
        configuration.audit = AuditConfiguration(signingKey: key)
        let events = try (1...3).map { BillingEvent(type: try BillingEventType("shipment.sent"), payload: ["n": .int(Int64($0))], tenantId: "acme") }
        try await BillingEngine.withEngine(configuration, storage: .sqlite(path: path), logger: quietLogger) { engine in
            let audit = try #require(engine.audit)
            for event in events { try await engine.events.publish(event) }
            let stored = try await engine.storage.headSequence()
            var caughtUp = false
            for _ in 0..<3_000 where !caughtUp {
                caughtUp = try await engine.subscriptions.status(of: AuditLog.subscription).cursor >= stored
                if !caughtUp { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(caughtUp)
            try await audit.record(action: "subscription.pause", by: "operator-1", tenant: "acme", entity: "plugin.email", summary: "paused plugin.email")
        }
        // Reopened: the last checkpoint, made at shutdown, covers every entry and verifies with the public key alone.
        try await BillingEngine.withEngine(configuration, storage: .sqlite(path: path), logger: quietLogger) { engine in
            let checkpoints = try await engine.storage.auditCheckpoints(chain: "tenant:acme")
            #expect(checkpoints.last?.sequence == 4 && checkpoints.last?.algorithm == "ed25519")
            let auditor = AuditLog(storage: engine.storage, verificationKeys: [key.verificationKey])
            let result = try await auditor.verify(tenant: "acme")
            #expect(result.isIntact && result.entries == 4 && result.checkpoints == 1, "\(result)")
        }
        #expect(BillingEngine.Configuration().audit == nil, "off unless configured")
    }
}
