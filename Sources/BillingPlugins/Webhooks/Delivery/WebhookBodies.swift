import BillingCore

/// Request bodies by event, each built once: an event goes to many endpoints (one message
/// each), and a stored event never changes, so its body is the same for all of them.
final class WebhookBodies: Sendable {
    /// More than this many, and the cache starts again; the newest events are the ones in delivery.
    static let limit = 1_024
    private let bodies = Locked<[EventID: [UInt8]]>([:])

    /// The body of event `id`, read from `storage` the first time; nil when it is no longer stored.
    func body(of id: EventID, from storage: any BillingStorage) async throws -> [UInt8]? {
        if let body = bodies.withLock({ $0[id] }) { return body }
        guard let event = try await storage.event(id: id) else { return nil }
        let body = WebhookPayload.body(for: event)
        bodies.withLock { bodies in
            if bodies.count >= Self.limit { bodies.removeAll() }
            bodies[id] = body
        }
        return body
    }
}
