import BillingCore
import Foundation

/// Installed-plugin records: one per name, stored as given.
enum PluginRecordChecks {
    static let suite = "PluginRecordStore"

    static let all: [StorageConformanceCheck] = [saveGetListDelete, replaceKeepsIdentity, settingsRoundTrip]

    private static let created = Date(timeIntervalSince1970: 1_790_000_000.123_456)

    private static func record(
        id: String, name: String, version: String = "1.0.0", isActive: Bool = true, settings: SealedSettings = .empty,
        tenantSettings: [String: SealedSettings] = [:], createdAt: Date = created, updatedAt: Date = created
    ) -> PluginRecord {
        PluginRecord(
            id: id, name: name, version: version, description: "Payments", author: "Bilingus", isActive: isActive,
            settings: settings, tenantSettings: tenantSettings, createdAt: createdAt, updatedAt: updatedAt
        )
    }

    static let saveGetListDelete = StorageConformanceCheck(suite, "Records are saved, read by name, listed by name, and deleted") { store in
        try expectEqual(await store.pluginRecords(), [], "the records of an empty store")
        let stripe = record(id: "p1", name: "stripe")
        let audit = PluginRecord(
            id: "p2", name: "audit", version: "0.1.0", description: nil, author: nil, isActive: false, settings: .empty,
            createdAt: created, updatedAt: created
        )
        try await store.savePluginRecord(stripe)
        try await store.savePluginRecord(audit)
        try await store.savePluginRecord(record(id: "p3", name: "mailer"))
        try expectEqual(await store.pluginRecord(named: "stripe"), stripe, "the record of stripe")
        try expectEqual(await store.pluginRecord(named: "audit"), audit, "the record of audit, without description or author")
        try expectEqual(await store.pluginRecord(named: "nobody"), nil, "the record of an unknown plugin")
        try expectEqual(await store.pluginRecords().map(\.name), ["audit", "mailer", "stripe"], "the names listed")

        try expect(try await store.deletePluginRecord(named: "stripe"), "deleting stripe to report a deleted record")
        let deletedAgain = try await store.deletePluginRecord(named: "stripe")
        try expect(!deletedAgain, "deleting stripe again to report no record")
        try expectEqual(await store.pluginRecord(named: "stripe"), nil, "the record of stripe after deletion")
        try expectEqual(await store.pluginRecords().map(\.name), ["audit", "mailer"], "the names listed after deletion")
    }

    static let replaceKeepsIdentity = StorageConformanceCheck(suite, "Saving under an existing name keeps the record's id and createdAt and replaces the rest") { store in
        try await store.savePluginRecord(record(id: "p1", name: "stripe", settings: SealedSettings(json: ["retries": ["value": 3]])))
        let later = created.addingTimeInterval(600)
        let replacement = PluginRecord(
            id: "ignored", name: "stripe", version: "1.1.0", description: nil, author: "Someone", isActive: false,
            settings: SealedSettings(json: ["retries": ["value": 5]]), tenantSettings: ["t-1": SealedSettings(json: ["retries": ["value": 1]])],
            createdAt: created.addingTimeInterval(500), updatedAt: later
        )
        try await store.savePluginRecord(replacement)
        let expected = PluginRecord(
            id: "p1", name: "stripe", version: "1.1.0", description: nil, author: "Someone", isActive: false, settings: replacement.settings,
            tenantSettings: replacement.tenantSettings, createdAt: created, updatedAt: Timestamp.normalize(later)
        )
        try expectEqual(await store.pluginRecord(named: "stripe"), expected, "the replaced record")
        try expectEqual(await store.pluginRecords(), [expected], "the records after replacing one")
    }

    static let settingsRoundTrip = StorageConformanceCheck(suite, "Default and per-tenant settings round-trip as the JSON they were given") { store in
        // The shape the plugin manager writes: sealed secrets and plain values.
        let settings = SealedSettings(json: [
            "apiKey": ["sealed": "v1.k1.bm9uY2U.Y2lwaGVydGV4dA"],
            "baseURL": ["value": "https://api.example.com/v1?x=1&y=ü"],
            "retries": ["value": 3],
            "rate": ["value": 0.25],
            "tags": ["value": ["a", "b", nil, true]],
            "limits": ["value": ["daily": 1000, "nested": ["deep": [1, 2]]]],
        ])
        let tenants: [String: SealedSettings] = [
            "t-1": SealedSettings(json: ["apiKey": ["sealed": "v1.k1.dGVuYW50.MQ"]]),
            "t-2": SealedSettings(json: ["retries": ["value": 0]]),
            "t-3": .empty,
        ]
        try await store.savePluginRecord(record(id: "p1", name: "stripe", settings: settings, tenantSettings: tenants))
        let read = try unwrap(try await store.pluginRecord(named: "stripe"), "the record of stripe")
        try expectEqual(read.settings, settings, "the default settings")
        try expectEqual(read.tenantSettings, tenants, "the per-tenant settings")
        try expectEqual(read.createdAt, created, "createdAt, at microsecond precision")

        try await store.savePluginRecord(record(id: "p2", name: "bare"))
        let bare = try unwrap(try await store.pluginRecord(named: "bare"), "the record of bare")
        try expectEqual(bare.settings, .empty, "empty default settings")
        try expectEqual(bare.tenantSettings, [:], "no per-tenant settings")
    }
}
