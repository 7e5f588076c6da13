/// How one durable subscription is delivered to.
public struct DurableSubscriptionOptions: Sendable {
    /// Where a subscription that does not exist yet starts.
    public enum StartPosition: Sendable, Hashable {
        /// With the first event in the store (the default): nothing is missed.
        case beginning
        /// After the last event stored when it is created: only new events.
        case end
        /// After this sequence.
        case afterSequence(Int64)
    }

    /// Retries before an event is dead-lettered.
    public var retry: RetryPolicy
    /// How long one delivery attempt may run before it counts as failed (default 30 s).
    public var deliveryTimeout: Duration
    /// Events of different entities delivered at once (default 1: strictly in sequence
    /// order). Above 1, each entity's events still arrive in order; events without an
    /// entity are independent of each other.
    public var entityConcurrency: Int
    /// Events read per batch; the cursor advances after each batch and is written in
    /// the background (default 100). After a crash, at most the deliveries since the
    /// last written cursor repeat: one batch, or a few milliseconds' worth.
    public var batchSize: Int
    /// Where a new subscription starts.
    public var startPosition: StartPosition

    /// Creates options; every parameter has the documented default.
    public init(
        retry: RetryPolicy = RetryPolicy(),
        deliveryTimeout: Duration = .seconds(30),
        entityConcurrency: Int = 1,
        batchSize: Int = 100,
        startPosition: StartPosition = .beginning
    ) {
        self.retry = retry
        self.deliveryTimeout = deliveryTimeout
        self.entityConcurrency = max(1, entityConcurrency)
        self.batchSize = max(1, batchSize)
        self.startPosition = startPosition
    }
}
