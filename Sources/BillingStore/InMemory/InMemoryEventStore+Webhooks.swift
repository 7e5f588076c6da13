public import BillingCore
import Foundation

/// Outgoing-webhook endpoints, with the SQL backends' semantics (timestamps at
/// microsecond precision, listing by id).
extension InMemoryEventStore {
    public func insertWebhookEndpoint(_ endpoint: WebhookEndpointRecord) async throws {
        try withState { state in
            guard state.webhookEndpoints[endpoint.id] == nil else {
                throw BillingError(.alreadyExists, "A webhook endpoint with id \(endpoint.id) exists already", field: "id")
            }
            state.webhookEndpoints[endpoint.id] = Self.normalized(endpoint)
        }
    }

    public func webhookEndpoint(id: String) async throws -> WebhookEndpointRecord? {
        try withState { $0.webhookEndpoints[id] }
    }

    public func webhookEndpoints(tenant: TenantScope, after afterId: String?, limit: Int) async throws -> [WebhookEndpointRecord] {
        guard limit >= 1 else { throw BillingError.invalid("limit", "limit must be at least 1") }
        return try withState { state in
            Array(
                state.webhookEndpoints.values
                    .filter { endpoint in
                        tenant.contains(endpoint.tenantId) && (afterId.map { $0.utf8.lexicographicallyPrecedes(endpoint.id.utf8) } ?? true)
                    }
                    .sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
                    .prefix(limit))
        }
    }

    public func updateWebhookEndpoint(_ endpoint: WebhookEndpointRecord, expectedVersion: Int64) async throws -> WebhookEndpointRecord? {
        try withState { state in
            guard let stored = state.webhookEndpoints[endpoint.id], stored.version == expectedVersion else { return nil }
            var updated = Self.normalized(endpoint)
            updated.tenantId = stored.tenantId
            updated.createdAt = stored.createdAt
            updated.version = expectedVersion + 1
            state.webhookEndpoints[endpoint.id] = updated
            return updated
        }
    }

    public func deleteWebhookEndpoint(id: String) async throws -> Bool {
        try withState { state in
            // Its messages and their log go with it, as the SQL tables cascade.
            for (messageId, message) in state.webhookMessages where message.endpointId == id {
                state.webhookMessages[messageId] = nil
                state.webhookAttempts[messageId] = nil
            }
            return state.webhookEndpoints.removeValue(forKey: id) != nil
        }
    }

    private static func normalized(_ endpoint: WebhookEndpointRecord) -> WebhookEndpointRecord {
        var endpoint = endpoint
        endpoint.createdAt = Timestamp.normalize(endpoint.createdAt)
        endpoint.updatedAt = Timestamp.normalize(endpoint.updatedAt)
        endpoint.failingSince = endpoint.failingSince.map(Timestamp.normalize)
        endpoint.secrets = endpoint.secrets.map {
            WebhookSecretRecord(sealed: $0.sealed, createdAt: Timestamp.normalize($0.createdAt), expiresAt: $0.expiresAt.map(Timestamp.normalize))
        }
        return endpoint
    }
}
