import BillingCore
import Foundation

/// The fan-out subscription's handler: one message per (event, matching active endpoint),
/// each with its own schedule. Message ids derive from the pair, so a redelivered event
/// enqueues nothing twice.
struct WebhookFanOut: Sendable {
    let storage: any BillingStorage
    let now: WallClock
    let wake: WakeSignal

    func handle(_ event: BillingEvent) async throws {
        let endpoints = try await recipients(of: event)
        guard !endpoints.isEmpty else { return }
        let now = now.now()
        let messages = endpoints.map { endpoint in
            WebhookMessageRecord(
                id: WebhookPayload.messageId(eventId: event.id, endpointId: endpoint.id), endpointId: endpoint.id, eventId: event.id,
                tenantId: event.tenantId, nextAttemptAt: now, createdAt: now, updatedAt: now
            )
        }
        if try await storage.enqueueWebhookMessages(messages) > 0 { wake.notify() }
    }

    /// The endpoints `event` goes to: its tenant's and the host-wide ones, active, with a
    /// matching pattern; a test event goes to its own endpoint only.
    func recipients(of event: BillingEvent) async throws -> [WebhookEndpointRecord] {
        if event.type == WebhookTestEvent.eventType {
            let test = try event.decodePayload(as: WebhookTestEvent.self)
            guard let endpoint = try await storage.webhookEndpoint(id: test.endpointId), endpoint.tenantId == nil || endpoint.tenantId == event.tenantId else {
                return []
            }
            return [endpoint]
        }
        var scopes: [TenantScope] = [.untenanted]
        if let tenant = event.tenantId { scopes.insert(.tenant(tenant), at: 0) }
        var matching: [WebhookEndpointRecord] = []
        for scope in scopes {
            var after: String?
            while true {
                let page = try await storage.webhookEndpoints(tenant: scope, after: after, limit: 500)
                matching += page.filter { $0.isActive && Self.matches($0, event.type) }
                guard page.count == 500 else { break }
                after = page.last?.id
            }
        }
        return matching
    }

    static func matches(_ endpoint: WebhookEndpointRecord, _ type: BillingEventType) -> Bool {
        endpoint.eventPatterns.contains { (try? EventPattern($0))?.matches(type) ?? false }
    }
}
