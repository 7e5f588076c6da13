import BillingCore

/// What a webhook request carries: the event as canonical JSON
/// `{"data", "id", "tenantId", "timestamp", "type"}` (keys in canonical order), the same
/// bytes on every attempt, and exactly the bytes that are signed.
enum WebhookPayload {
    /// The request body for `event`.
    static func body(for event: BillingEvent) -> [UInt8] {
        var object: JSONObject = [
            "type": .string(event.type.rawValue), "id": .string(event.id.description), "data": event.payload,
            "timestamp": .string(Timestamp.format(microseconds: event.timestampMicroseconds)),
        ]
        object["tenantId"] = event.tenantId.map { .string($0) } ?? .null
        return CanonicalJSON.encode(.object(object))
    }

    /// The `webhook-id` of `event` for `endpointId`: stable across attempts and restarts,
    /// unique per pair, and without the `.` the signed content uses as separator.
    static func messageId(eventId: EventID, endpointId: String) -> String {
        "msg_" + sha256Hex("\(eventId)|\(endpointId)").prefix(32)
    }
}
