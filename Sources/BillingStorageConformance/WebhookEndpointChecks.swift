import BillingCore
import Foundation

/// Outgoing-webhook endpoints: stored as given, listed by tenant in id order and in pages,
/// updated by compare-and-set, deleted.
enum WebhookEndpointChecks {
    static let suite = "WebhookEndpointStore"

    static let all: [StorageConformanceCheck] = [roundTrip, tenantScopes, paging, compareAndSet, deletion]

    private static let created = Date(timeIntervalSince1970: 1_790_000_000.123_456)

    private static func endpoint(_ id: String, tenant: String?, url: String = "https://hooks.example.com/billing") -> WebhookEndpointRecord {
        WebhookEndpointRecord(
            id: id, tenantId: tenant, url: url, eventPatterns: ["invoice.*"],
            secrets: [WebhookSecretRecord(sealed: "bsealed:v1:k1:c2VjcmV0", createdAt: created)], createdAt: created, updatedAt: created
        )
    }

    static let roundTrip = StorageConformanceCheck(suite, "An endpoint round-trips every field; a second insert under its id is already_exists") { store in
        let full = WebhookEndpointRecord(
            id: "ep_full", tenantId: "acme", url: "https://hooks.example.com/billing?x=1&y=ü", eventPatterns: ["invoice.*", "payment.completed", "*"],
            isActive: false, disabledReason: "410 Gone from the receiver", description: "Accounting — Σ", metadata: ["team": "billing", "ключ": "значение"],
            rateLimitPerSecond: 25,
            secrets: [
                WebhookSecretRecord(sealed: "bsealed:v1:k2:bmV3", createdAt: created.addingTimeInterval(60)),
                WebhookSecretRecord(sealed: "bsealed:v1:k1:b2xk", createdAt: created, expiresAt: created.addingTimeInterval(86_400.000_001)),
            ],
            failingSince: created.addingTimeInterval(30), exhaustedMessages: 3, version: 1, createdAt: created, updatedAt: created.addingTimeInterval(60)
        )
        try await store.insertWebhookEndpoint(full)
        var expected = full
        expected.secrets[1].expiresAt = Timestamp.normalize(full.secrets[1].expiresAt!)
        try expectEqual(await store.webhookEndpoint(id: "ep_full"), expected, "the endpoint read back")

        let bare = WebhookEndpointRecord(id: "ep_bare", tenantId: nil, url: "https://h.example/x", eventPatterns: [], secrets: [], createdAt: created, updatedAt: created)
        try await store.insertWebhookEndpoint(bare)
        try expectEqual(await store.webhookEndpoint(id: "ep_bare"), bare, "a host-wide endpoint without options")
        try expectEqual(await store.webhookEndpoint(id: "ep_none"), nil, "an unknown endpoint")

        try await expectThrows(code: .alreadyExists, "inserting ep_full again") {
            try await store.insertWebhookEndpoint(endpoint("ep_full", tenant: "other"))
        }
        try expectEqual(await store.webhookEndpoint(id: "ep_full"), expected, "the endpoint after the refused insert")
    }

    static let tenantScopes = StorageConformanceCheck(suite, "A tenant's listing has its endpoints only; host-wide ones must be asked for") { store in
        for (id, tenant) in [("ep_a1", "a"), ("ep_b1", "b"), ("ep_host", nil), ("ep_a2", "a")] as [(String, String?)] {
            try await store.insertWebhookEndpoint(endpoint(id, tenant: tenant))
        }
        try expectEqual(await store.webhookEndpoints(tenant: "a", after: nil, limit: 10).map(\.id), ["ep_a1", "ep_a2"], "tenant a's endpoints")
        try expectEqual(await store.webhookEndpoints(tenant: "b", after: nil, limit: 10).map(\.id), ["ep_b1"], "tenant b's endpoints")
        try expectEqual(await store.webhookEndpoints(tenant: "c", after: nil, limit: 10).map(\.id), [], "a tenant without endpoints")
        try expectEqual(await store.webhookEndpoints(tenant: .untenanted, after: nil, limit: 10).map(\.id), ["ep_host"], "the host-wide endpoints")
        try expectEqual(
            await store.webhookEndpoints(tenant: .any, after: nil, limit: 10).map(\.id), ["ep_a1", "ep_a2", "ep_b1", "ep_host"], "every endpoint")
    }

    static let paging = StorageConformanceCheck(suite, "Listing is by id in byte order, at most limit, after the given id") { store in
        let ids = ["ep_Z", "ep_a", "ep_b", "ep_c", "ep_é", "ep_~"]
        for id in ids.reversed() { try await store.insertWebhookEndpoint(endpoint(id, tenant: "t")) }
        let sorted = ids.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        try expectEqual(await store.webhookEndpoints(tenant: "t", after: nil, limit: 2).map(\.id), Array(sorted.prefix(2)), "the first page")
        try expectEqual(await store.webhookEndpoints(tenant: "t", after: sorted[1], limit: 2).map(\.id), Array(sorted[2..<4]), "the second page")
        try expectEqual(await store.webhookEndpoints(tenant: "t", after: sorted[3], limit: 10).map(\.id), Array(sorted[4...]), "the last page")
        try expectEqual(await store.webhookEndpoints(tenant: "t", after: sorted.last, limit: 10).map(\.id), [], "after the last id")
        try await expectThrows(code: .invalidArgument, "a limit of 0") { try await store.webhookEndpoints(tenant: "t", after: nil, limit: 0) }
    }

    static let compareAndSet = StorageConformanceCheck(suite, "An update applies at the expected version only, keeps id, tenant and createdAt, and grows the version") { store in
        try await store.insertWebhookEndpoint(endpoint("ep_1", tenant: "acme"))
        var change = endpoint("ep_1", tenant: "intruder", url: "https://new.example.com/hook")
        change.isActive = false
        change.disabledReason = "operator"
        change.eventPatterns = ["*"]
        change.secrets.append(WebhookSecretRecord(sealed: "bsealed:v1:k1:bmV4dA", createdAt: created.addingTimeInterval(5)))
        change.failingSince = created.addingTimeInterval(7)
        change.exhaustedMessages = 2
        change.createdAt = created.addingTimeInterval(999)
        change.updatedAt = created.addingTimeInterval(10)
        let updated = try unwrap(try await store.updateWebhookEndpoint(change, expectedVersion: 1), "the update at version 1")
        var expected = change
        expected.tenantId = "acme"
        expected.createdAt = created
        expected.version = 2
        try expectEqual(updated, expected, "the updated endpoint as returned")
        try expectEqual(await store.webhookEndpoint(id: "ep_1"), expected, "the updated endpoint as read")
        var recovered = expected
        recovered.failingSince = nil
        recovered.exhaustedMessages = 0
        let cleared = try unwrap(try await store.updateWebhookEndpoint(recovered, expectedVersion: 2), "the update clearing the failure streak")
        recovered.version = 3
        try expectEqual(cleared, recovered, "the endpoint with its failure streak cleared")
        expected = recovered

        try expectEqual(await store.updateWebhookEndpoint(endpoint("ep_1", tenant: "acme"), expectedVersion: 1), nil, "a stale update (version 1 again)")
        try expectEqual(await store.webhookEndpoint(id: "ep_1"), expected, "the endpoint after the stale update")
        try expectEqual(await store.updateWebhookEndpoint(endpoint("ep_gone", tenant: nil), expectedVersion: 1), nil, "an update of an unknown endpoint")
        try expectEqual(await store.webhookEndpoint(id: "ep_gone"), nil, "no endpoint was created by it")
    }

    static let deletion = StorageConformanceCheck(suite, "Deleting reports whether there was an endpoint") { store in
        try await store.insertWebhookEndpoint(endpoint("ep_1", tenant: "acme"))
        try expect(try await store.deleteWebhookEndpoint(id: "ep_1"), "deleting ep_1 to report a deleted endpoint")
        let again = try await store.deleteWebhookEndpoint(id: "ep_1")
        try expect(!again, "deleting ep_1 again to report none")
        try expectEqual(await store.webhookEndpoint(id: "ep_1"), nil, "ep_1 after deletion")
        try expectEqual(await store.webhookEndpoints(tenant: .any, after: nil, limit: 10), [], "the listing after deletion")
    }
}
