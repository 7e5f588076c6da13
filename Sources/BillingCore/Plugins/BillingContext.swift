/// What a plugin is asked to act on (the seed's `BillingContext`).
public struct BillingContext: Sendable {
    /// The event type being handled.
    public var eventType: BillingEventType
    /// The event's payload.
    public var payload: JSONValue
    /// The user concerned, when known.
    public var user: UserSnapshot?
    /// The tenant, when the host is multi-tenant.
    public var tenant: String?
    /// The event itself, when the call comes from an event (its id is the key to deduplicate on).
    public var event: BillingEvent?
    /// Results of the earlier stages of a pipeline, by plugin name.
    public var pipelineResults: [String: PluginResult]

    /// Creates a context.
    public init(
        eventType: BillingEventType, payload: JSONValue = [:], user: UserSnapshot? = nil, tenant: String? = nil,
        event: BillingEvent? = nil, pipelineResults: [String: PluginResult] = [:]
    ) {
        self.eventType = eventType
        self.payload = payload
        self.user = user
        self.tenant = tenant
        self.event = event
        self.pipelineResults = pipelineResults
    }

    /// The context for an event.
    public init(event: BillingEvent, user: UserSnapshot? = nil) {
        self.init(eventType: event.type, payload: event.payload, user: user, tenant: event.tenantId, event: event)
    }

    /// Decodes the payload as a typed payload.
    public func decodePayload<Payload: BillingEventPayload>(as type: Payload.Type = Payload.self) throws -> Payload {
        if let event { return try event.decodePayload(as: type) }
        guard eventType == Payload.eventType else {
            throw BillingError(.payloadMismatch, "Context of type \(eventType) does not carry a \(Payload.self) payload", field: "eventType")
        }
        return try CanonicalJSON.decode(Payload.self, from: payload)
    }
}
