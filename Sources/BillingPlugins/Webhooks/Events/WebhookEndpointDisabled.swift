public import BillingCore

/// `webhook.endpoint.disabled`: deliveries to an endpoint stopped without an operator asking,
/// because the receiver answered 410 Gone or kept failing. Published with the endpoint's
/// tenant, so the host can tell that tenant.
public struct WebhookEndpointDisabled: BillingEventPayload, Hashable {
    /// `webhook.endpoint.disabled`.
    public static let eventType = try! BillingEventType("webhook.endpoint.disabled")

    /// The endpoint.
    public var endpointId: String
    /// Its URL.
    public var url: String
    /// Why: `gone` (a 410), `failing` (every attempt failed for too long) or `exhausted`
    /// (too many messages used up their schedule).
    public var cause: String
    /// The reason recorded on the endpoint, in words.
    public var reason: String

    public var eventEntityId: String? { endpointId }

    /// Creates the payload.
    public init(endpointId: String, url: String, cause: String, reason: String) {
        self.endpointId = endpointId
        self.url = url
        self.cause = cause
        self.reason = reason
    }
}

/// `webhook.test`: a test event for one endpoint, which ``WebhookService/sendTestEvent(endpointId:)``
/// publishes. Only that endpoint receives it, whatever its event patterns.
public struct WebhookTestEvent: BillingEventPayload, Hashable {
    /// `webhook.test`.
    public static let eventType = try! BillingEventType("webhook.test")

    /// The endpoint it is for.
    public var endpointId: String

    public var eventEntityId: String? { endpointId }

    /// Creates the payload.
    public init(endpointId: String) {
        self.endpointId = endpointId
    }
}
