import BillingCore

/// Request bodies by event, each built once: an event goes to many endpoints (one message
/// each), and a stored event never changes, so its body is the same for all of them.
struct WebhookBodies: Sendable {
    /// The newest events are the ones in delivery.
    private let bodies = BoundedCache<EventID, [UInt8]>(limit: 1_024)

    /// The body of event `id`, read from `storage` the first time; nil when it is no longer stored.
    func body(of id: EventID, from storage: any BillingStorage) async throws -> [UInt8]? {
        if let body = bodies[id] { return body }
        guard let event = try await storage.event(id: id) else { return nil }
        let body = WebhookPayload.body(for: event)
        bodies.keep(body, for: id)
        return body
    }
}
