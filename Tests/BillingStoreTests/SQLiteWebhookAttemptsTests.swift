import BilingusTestSupport
import BillingStore
import Testing

/// The SQLite side of the webhook delivery log: an endpoint's log is read through its index.
@Suite("SQLite webhook delivery log")
struct SQLiteWebhookAttemptsTests {
    @Test("An endpoint's log, first page and later pages, is a range on webhook_attempts_endpoint with no sort of its own")
    func endpointLogUsesTheIndex() async throws {
        let store = try SQLiteEventStore(path: TemporaryFiles.newPath())
        for sql in [SQLiteEventStore.endpointLogSQL, SQLiteEventStore.endpointLogBeforeSQL] {
            let plan = try await store.queryPlan(sql: sql)
            #expect(plan.joined().contains("webhook_attempts_endpoint"), "\(plan)")
            #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "\(plan)")
        }
        try await store.close()
    }
}
