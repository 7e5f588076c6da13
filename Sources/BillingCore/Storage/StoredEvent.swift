/// What happened to one event handed to ``EventStore/append(_:)`` or `EventBus.publish`.
public struct StoredEvent: Sendable, Hashable {
    /// The event as stored, with its sequence. For a duplicate, this is the event
    /// stored earlier, not the one just offered.
    public let event: BillingEvent
    /// `true` if the event was already stored: the same id, or the same tenant and
    /// idempotency key with the same type and payload. Nothing was written for it and
    /// it was not dispatched again.
    public let isDuplicate: Bool

    /// Creates a result.
    public init(event: BillingEvent, isDuplicate: Bool) {
        self.event = event
        self.isDuplicate = isDuplicate
    }

    /// Whether this call stored the event.
    public var isNew: Bool { !isDuplicate }
}
