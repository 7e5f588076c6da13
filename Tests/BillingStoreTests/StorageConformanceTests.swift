import BillingStorageConformance
import Testing

/// Every check of the exported conformance kit against every backend of BillingStore:
/// one test case per backend and check.
@Suite("Storage conformance")
struct StorageConformanceTests {
    @Test("Conformance", arguments: StoreKind.all, StorageConformance.all)
    func conformance(_ kind: StoreKind, _ check: StorageConformanceCheck) async throws {
        try await check.run(with: kind.make)
    }
}
