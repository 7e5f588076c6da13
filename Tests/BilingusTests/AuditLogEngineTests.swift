import BilingusTestSupport
import Bilingus
import Foundation
import Testing

/// Waits (up to 30 s) until the audit subscription has recorded every stored event.
func auditCaughtUp(_ engine: BillingEngine) async throws -> Bool {
    let stored = try await engine.storage.headSequence()
    for _ in 0..<3_000 {
        if try await engine.subscriptions.status(of: AuditLog.subscription).cursor >= stored { return true }
        try await Task.sleep(for: .milliseconds(10))
    }
    return false
}

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
            let caughtUp = try await auditCaughtUp(engine)
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
            let caughtUp = try await auditCaughtUp(engine)
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

/// Concurrent publishers on an engine with its audit log.
@Suite("Audit log under concurrent publishers")
struct AuditLogConcurrencyTests {
    @Test("8 publishers × 25 events on 2 tenants while actions are recorded: every chain linear and intact, every event once")
    func concurrentPublishers() async throws {
        var configuration = BillingEngine.Configuration()
        configuration.subscriptions.pollInterval = .milliseconds(20)
        configuration.audit = AuditConfiguration()
        try await BillingEngine.withEngine(configuration, storage: .sqlite(path: TemporaryFiles.newPath("audit-publishers")), logger: quietLogger) { engine in
            let audit = try #require(engine.audit)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for publisher in 0..<8 {
                    group.addTask {
                        for index in 0..<25 {
                            let event = BillingEvent(
                                type: try BillingEventType("shipment.sent"), payload: ["n": .int(Int64(index))], tenantId: publisher.isMultiple(of: 2) ? "acme" : "globex")
                            try await engine.events.publish(event)
                        }
                    }
                }
                group.addTask {
                    for index in 0..<20 { try await audit.record(action: "subscription.pause", by: "operator", tenant: "acme", summary: "action \(index)") }
                }
                try await group.waitForAll()
            }
            let caughtUp = try await auditCaughtUp(engine)
            #expect(caughtUp)
            let results = try await audit.verifyAll()
            #expect(results.map(\.chain) == ["tenant:acme", "tenant:globex"])
            #expect(results.map(\.entries) == [100 + 20, 100])
            #expect(results.allSatisfy { $0.isIntact }, "\(results)")
            var recorded = Set<EventID>()
            for chain in ["tenant:acme", "tenant:globex"] {
                let entries = try await engine.storage.auditEntries(chain: chain, after: 0, limit: 500)
                #expect(entries.map(\.sequence) == Array(1...Int64(entries.count)), "\(chain) is linear")
                recorded.formUnion(entries.compactMap(\.eventId))
            }
            #expect(recorded.count == 200, "every event once")
        }
    }
}
