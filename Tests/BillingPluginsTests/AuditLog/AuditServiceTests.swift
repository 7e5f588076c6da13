import BillingCore
@testable import BillingPlugins
import BillingStore
import BillingTesting
import Foundation
import Logging
import Testing

/// The audit log as a service, on a test clock: a checkpoint every interval, retention after
/// it, and one more checkpoint when it stops.
@Suite("Audit log: periodic checkpoints")
struct AuditServiceTests {
    @Test("Every checkpointInterval a moved head is checkpointed and the retention applied; stopping checkpoints once more")
    func periodicCheckpoints() async throws {
        let clock = TestClock()
        let store = InMemoryEventStore()
        let audit = AuditLog(
            storage: store, configuration: AuditConfiguration(checkpointInterval: .seconds(60), retention: .seconds(90)),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), clock: clock, wallClock: clock.wallClock)
        let running = Task { try await audit.run() }
        try await audit.record(action: "plugin.load", by: "operator", summary: "loaded 1")
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(60))
        await clock.waitForSleepers(1)
        #expect(try await store.auditCheckpoints(chain: "host").map(\.sequence) == [1], "the first round")
        try await audit.record(action: "plugin.load", by: "operator", summary: "loaded 2")
        clock.advance(by: .seconds(60))
        await clock.waitForSleepers(1)
        // At 120 s: checkpoint at 2; entry 1 (recorded at 0 s) is older than 90 s, and so is checkpoint 1: cut there.
        #expect(try await store.auditCheckpoints(chain: "host").map(\.sequence) == [1, 2])
        #expect(try await store.auditChainHead("host")?.prunedThrough == 1)
        try await audit.record(action: "plugin.load", by: "operator", summary: "loaded 3")
        running.cancel()
        try await running.value
        #expect(try await store.auditCheckpoints(chain: "host").last?.sequence == 3, "the checkpoint made on stopping")
        let result = try await audit.verify(tenant: nil)
        #expect(result.isIntact && result.entries == 2, "\(result)")
    }
}
