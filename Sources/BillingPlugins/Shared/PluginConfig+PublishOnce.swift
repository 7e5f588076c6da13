import BillingCore

extension PluginConfig {
    /// Stores `event` unless an event under its idempotency key is stored already, and
    /// returns the stored one. Several paths (a delivery and its redelivery, a charge and
    /// a webhook) may announce the same fact at different times; the first one's event stands.
    func publishOnce(_ event: BillingEvent) async throws -> BillingEvent {
        guard let key = event.idempotencyKey else { return try await publisher.publish(event).event }
        if let stored = try await events.event(tenantId: event.tenantId, idempotencyKey: key) { return stored }
        do {
            return try await publisher.publish(event).event
        } catch let error as BillingError where error.code == .idempotencyConflict {
            // Another path stored it a moment ago, saying it slightly differently.
            guard let stored = try await events.event(tenantId: event.tenantId, idempotencyKey: key) else { throw error }
            return stored
        }
    }
}
