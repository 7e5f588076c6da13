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
