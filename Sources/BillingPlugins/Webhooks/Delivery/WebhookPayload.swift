import BillingCore

/// What a webhook request carries: the event as canonical JSON
/// `{"data", "id", "tenantId", "timestamp", "type"}` (keys in canonical order), the same
/// bytes on every attempt, and exactly the bytes that are signed.
enum WebhookPayload {
    /// The request body for `event`: its payload's canonical bytes as they are (never
    /// parsed again), inside the canonical object whose other members are encoded here.
    static func body(for event: BillingEvent) -> [UInt8] {
        var body = Array(#"{"data":"#.utf8)
        body += event.canonicalPayload
        body += #","id":"#.utf8
        body += CanonicalJSON.encode(.string(event.id.description))
        body += #","tenantId":"#.utf8
        body += CanonicalJSON.encode(event.tenantId.map { .string($0) } ?? .null)
        body += #","timestamp":"#.utf8
        body += CanonicalJSON.encode(.string(Timestamp.format(microseconds: event.timestampMicroseconds)))
        body += #","type":"#.utf8
        body += CanonicalJSON.encode(.string(event.type.rawValue))
        body += "}".utf8
        return body
    }

    /// The `webhook-id` of `event` for `endpointId`: stable across attempts and restarts,
    /// unique per pair, and without the `.` the signed content uses as separator.
    static func messageId(eventId: EventID, endpointId: String) -> String {
        "msg_" + sha256Hex("\(eventId)|\(endpointId)").prefix(32)
    }
}
