import BillingCore
import BillingStore
import Foundation
import Testing

@Suite("PluginRecordStore conformance")
struct PluginRecordStoreConformanceTests {
    @Test("Records are saved, replaced by name keeping createdAt, listed by name, and deleted", arguments: StoreKind.all)
    func records(kind: StoreKind) async throws {
        let store = try await kind.make()
        let created = Date(timeIntervalSince1970: 1_790_000_000)
        let settings: PluginSettings = ["baseURL": "https://api.example.com", "retries": 3, "tags": ["a"], "apiKey": .secret("sk_test_1")]
        try await store.savePluginRecord(PluginRecord(
            id: "p1", name: "stripe", version: "1.0.0", description: "Payments", author: "Bilingus", isActive: true,
            settings: settings, createdAt: created, updatedAt: created
        ))
        try await store.savePluginRecord(PluginRecord(
            id: "p2", name: "audit", version: "0.1.0", description: nil, author: nil, isActive: false,
            settings: [:], createdAt: created, updatedAt: created
        ))
        var records = try await store.pluginRecords()
        #expect(records.map(\.name) == ["audit", "stripe"])
        let stripe = records[1]
        #expect(stripe.settings == settings)
        #expect(stripe.settings.secretKeys == ["apiKey"])
        #expect(stripe.createdAt == created)
        #expect(records[0].description == nil)

        try await store.savePluginRecord(PluginRecord(
            id: "ignored", name: "stripe", version: "1.1.0", description: "Payments", author: "Bilingus", isActive: false,
            settings: ["apiKey": .secret("sk_test_2")], createdAt: created.addingTimeInterval(500), updatedAt: created.addingTimeInterval(600)
        ))
        records = try await store.pluginRecords()
        let updated = try #require(records.first { $0.name == "stripe" })
        #expect(updated.id == "p1", "replacing keeps the record's id")
        #expect(updated.version == "1.1.0")
        #expect(!updated.isActive)
        #expect(updated.createdAt == created, "replacing keeps the original install time")
        #expect(updated.updatedAt == created.addingTimeInterval(600))
        #expect(try updated.settings.secret("apiKey").reveal() == "sk_test_2")

        #expect(try await store.deletePluginRecord(named: "stripe"))
        #expect(try await !store.deletePluginRecord(named: "stripe"))
        #expect(try await store.pluginRecords().map(\.name) == ["audit"])
    }
}
