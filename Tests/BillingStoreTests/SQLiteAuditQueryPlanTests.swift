import BilingusTestSupport
import BillingCore
import BillingStore
import Foundation
import Testing

/// Every audit query is answered by an index that also gives its order: no table scan, no sort.
@Suite("SQLite audit log queries")
struct SQLiteAuditQueryPlanTests {
    @Test("Every combination of tenant, entity, type, user, time range and page position uses an index and no sort")
    func everyFilterUsesAnIndex() async throws {
        let store = try SQLiteEventStore(path: TemporaryFiles.newPath("audit-plans"))
        let position = AuditEntryRecord(
            chain: "tenant:a", sequence: 3, kind: .event, type: "t", tenantId: "a", occurredAt: Date(), recordedAt: Date(), summary: "", previousHash: "", hash: "")
        var checked = 0
        for tenant: TenantScope in [.any, .tenant("a"), .untenanted] {
            for mask in 0..<(1 << 6) {
                func on(_ bit: Int) -> Bool { mask & (1 << bit) != 0 }
                let query = AuditQuery(
                    tenant: tenant, entityId: on(0) ? "e" : nil, type: on(1) ? "t" : nil, userId: on(2) ? "u" : nil, from: on(3) ? Date() : nil,
                    until: on(4) ? Date() : nil)
                let sql = SQLiteEventStore.auditQuerySQL(SQLiteAuditQuery(query, after: on(5) ? position : nil), limit: 100)
                let plan = try await store.queryPlan(sql: sql)
                #expect(plan.allSatisfy { !$0.contains("audit_entries") || $0.contains("INDEX") }, "\(query): \(plan)")
                #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "\(query): \(plan)")
                checked += 1
            }
        }
        #expect(checked == 192)
        try await store.close()
    }
}
