/// What happened to one event handed to ``EventStore/append(_:)``.
public struct AppendResult: Sendable, Hashable {
    /// The event as stored, with its sequence. For a duplicate, this is the event
    /// stored earlier, not the one just offered.
    public let event: BillingEvent
    /// `true` if the event was already stored: same id, or same tenant and
    /// idempotency key. Nothing was written for it and it must not be dispatched again.
    public let isDuplicate: Bool

    /// Creates a result.
    public init(event: BillingEvent, isDuplicate: Bool) {
        self.event = event
        self.isDuplicate = isDuplicate
    }
}
