import Bilingus
import Foundation
import Logging

/// `count` events recorded by an engine's audit log on a SQLite file, with an administrative
/// action beside every second one (two appenders on one chain), for the audit crash test:
/// it publishes idempotently as far as the test's gate allows, reports the chain's head as
/// `head <sequence>` whenever it moves, and returns once every event is recorded, reporting
/// `recorded <n>`. The test kills it at random meanwhile.
func auditBurst(path: String, count: Int, logger: Logger) async throws {
    var configuration = BillingEngine.Configuration()
    configuration.subscriptions.leaseDuration = .seconds(2)
    configuration.subscriptions.pollInterval = .milliseconds(20)
    configuration.audit = AuditConfiguration()
    try await BillingEngine.withEngine(configuration, storage: .sqlite(path: path), logger: logger) { engine in
        let audit = try requireAuditLog(engine)
        let gate = BurstGate(database: path)
        var lastHead: Int64 = -1
        var index = 0
        while true {
            if index < count, gate.allows(index) {
                let event = BillingEvent(type: jobType, payload: ["n": .int(Int64(index))], tenantId: "acme", idempotencyKey: "audit-\(index)")
                if try await engine.events.publish(event).isNew, index.isMultiple(of: 2) {
                    try await audit.record(action: "test.action", by: "operator", tenant: "acme", summary: "action beside event \(index)")
                }
                index += 1
            }
            let head = try await engine.storage.auditChainHead("tenant:acme")?.sequence ?? 0
            if head != lastHead {
                report("head \(head)")
                lastHead = head
            }
            let stored = try await engine.storage.headSequence()
            if index == count, try await engine.subscriptions.status(of: AuditLog.subscription).cursor >= stored { break }
            try gate.checkWorthWaiting(for: "the audit log did not catch up")
            try await Task.sleep(for: .milliseconds(5))
        }
        report("recorded \(index)")
    }
}

/// The engine's audit log, configured above.
private func requireAuditLog(_ engine: BillingEngine) throws -> AuditLog {
    guard let audit = engine.audit else { throw BillingError(.invalidArgument, "the audit log is not configured") }
    return audit
}
