import BillingCore

extension WebhookEndpointStore {
    /// Reads an endpoint, lets `change` edit it, and writes it back by compare-and-set, from a
    /// fresh read again whenever another writer came in between: what the operators' edits and
    /// the delivery's failure streak both need. `change` returns `false` when there is
    /// nothing to write. Returns the endpoint as stored and whether this call wrote it; `nil`
    /// when there is no such endpoint.
    /// - Throws: `storage.busy` after 10 lost races; `change`'s own errors.
    func changeWebhookEndpoint(
        id: String, at wallClock: WallClock, _ change: (inout WebhookEndpointRecord) throws -> Bool
    ) async throws -> (endpoint: WebhookEndpointRecord, written: Bool)? {
        for _ in 0..<10 {
            guard var record = try await webhookEndpoint(id: id) else { return nil }
            let version = record.version
            guard try change(&record) else { return (record, false) }
            record.updatedAt = wallClock.now()
            if let stored = try await updateWebhookEndpoint(record, expectedVersion: version) { return (stored, true) }
        }
        throw BillingError(.storageBusy, "Webhook endpoint \(id) kept changing under this update; try again", field: "id")
    }
}
