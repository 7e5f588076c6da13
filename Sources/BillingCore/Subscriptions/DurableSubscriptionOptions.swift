/// How one durable subscription is delivered to.
public struct DurableSubscriptionOptions: Sendable {
    /// Where a subscription that does not exist yet starts. An existing subscription
    /// resumes from its persisted cursor, whatever this says.
    public enum StartPosition: Sendable, Hashable {
        /// With the first event in the store: nothing is missed. The default for
        /// subscriptions a host makes with `SubscriptionDispatcher.subscribe`.
        case beginning
        /// After the last event stored when it is created: only new events. The default
        /// for plugins' subscriptions (see `PluginManager.Configuration.delivery`).
        case end
        /// After this sequence, which must not be beyond the store's head.
        case afterSequence(Int64)
    }

    /// What happens after a failed attempt (default: ``RetryPolicy`` with its defaults,
    /// 5 attempts with exponential backoff from 1 s).
    public var retry: any RetryStrategy
    /// How long one delivery attempt may run before it counts as failed and is
    /// abandoned (default 30 s).
    public var deliveryTimeout: Duration
    /// Events of different entities delivered at once (default 1: strictly in sequence
    /// order). Above 1, each entity's events still arrive in order; events without an
    /// entity are independent of each other.
    public var entityConcurrency: Int {
        didSet { entityConcurrency = max(1, entityConcurrency) }
    }
    /// Events read per batch (default 100). Before a batch's first attempts start, a
    /// range of sequences covering it and the next three batch sizes is recorded with the
    /// cursor in one write, unless a range recorded earlier covers it; the cursor is
    /// written in the background. After a crash, the events since the last written
    /// cursor are delivered again (at least once), and those in the recorded range one
    /// at a time, each with its attempt recorded first. While a full batch is delivered,
    /// the next one is read.
    public var batchSize: Int {
        didSet { batchSize = max(1, batchSize) }
    }
    /// Where a new subscription starts (default ``StartPosition/beginning``).
    public var startPosition: StartPosition

    /// Creates options; every parameter has the documented default.
    public init(
        retry: any RetryStrategy = RetryPolicy(),
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
