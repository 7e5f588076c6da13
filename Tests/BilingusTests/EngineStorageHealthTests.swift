import Bilingus
import Foundation
import Testing

@Suite("BillingEngine health: the storage file")
struct EngineStorageHealthTests {
    @Test("Health reports storage unhealthy once the SQLite file was deleted under the running engine, and publishes fail")
    func deletedDatabase() async throws {
        let path = BillingEngineTests.temporaryPath()
        defer { BillingEngineTests.remove(path) }
        let engine = try BillingEngine(storage: .sqlite(path: path), logger: quietLogger)
        let noted = try BillingEventType("ledger.noted")
        try await engine.events.publish(BillingEvent(type: noted))
        #expect(await engine.health().status == .healthy)

        for suffix in ["", "-wal", "-shm"] { try FileManager.default.removeItem(atPath: path + suffix) }
        let report = await engine.health()
        #expect(report.status == .unhealthy)
        #expect(report.storageError?.contains("storage.unavailable") == true, "\(report)")
        #expect(report.storageError?.contains(path) == true)
        let publish = await #expect(throws: BillingError.self) { try await engine.events.publish(BillingEvent(type: noted)) }
        #expect(publish?.code == .storageUnavailable)
        try? await engine.storage.close()
    }
}
