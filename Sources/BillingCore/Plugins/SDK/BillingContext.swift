/// What a plugin is asked to act on (the specification's `BillingContext`): an event,
/// plus what the caller adds.
///
/// The event is the one source of truth: ``eventType``, ``payload`` and ``tenantId``
/// are read from it. A call from the plugin's durable subscription carries the stored
/// event and its ``delivery``; a direct call describes an event that is not stored.
public struct BillingContext: Sendable {
    /// The event being handled. For a direct call it is not stored (no sequence).
    public let event: BillingEvent
    /// The delivery, when the call comes from the plugin's durable subscription: its
    /// ``Delivery/attempt`` number. `nil` for direct calls and pipelines.
    public package(set) var delivery: Delivery?
    /// The user concerned, when the caller knows it.
    public var user: UserSnapshot?
    /// Results of the earlier stages of a pipeline, by plugin name.
    public var pipelineResults: [String: PluginResult]
    /// The plugin's settings for this call's tenant: its default settings with the
    /// tenant's own overrides on top. Set by the plugin manager for every call.
    public package(set) var settings: PluginSettings

    /// The context for an event.
    public init(event: BillingEvent, user: UserSnapshot? = nil, pipelineResults: [String: PluginResult] = [:]) {
        self.event = event
        self.user = user
        self.pipelineResults = pipelineResults
        self.delivery = nil
        self.settings = PluginSettings()
    }

    /// The context for a direct call about an event that is not stored.
    public init(eventType: BillingEventType, payload: JSONValue = [:], tenantId: String? = nil, user: UserSnapshot? = nil) {
        self.init(event: BillingEvent(type: eventType, payload: payload, tenantId: tenantId), user: user)
    }

    /// The event's type.
    public var eventType: BillingEventType { event.type }
    /// The event's payload.
    public var payload: JSONValue { event.payload }
    /// The event's tenant.
    public var tenantId: String? { event.tenantId }

    /// Decodes the payload as a typed payload.
    /// - Throws: `payload.mismatch` if the event is not of `Payload`'s type or does not decode.
    public func decodePayload<Payload: BillingEventPayload>(as type: Payload.Type = Payload.self) throws -> Payload {
        try event.decodePayload(as: type)
    }
}
