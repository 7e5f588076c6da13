/// What an operator needs to know about one durable subscription.
public struct SubscriptionStatus: Sendable, Hashable {
    /// The subscription's name.
    public let name: String
    /// The event types it receives.
    public let patterns: [EventPattern]
    /// The persisted cursor: every matching event up to it has been handled or dead-lettered.
    public let cursor: Int64
    /// The store's head sequence when the status was read.
    public let headSequence: Int64
    /// `headSequence - cursor`: how far behind the subscription is, in sequences (0 when ahead).
    public var lag: Int64 { max(0, headSequence - cursor) }
    /// The cursor is beyond the store's head, so every event published until the head
    /// passes it would be skipped. Cursors are only set there by a store replaced under
    /// the subscription (a restored backup, a deleted file); replay to a valid sequence.
    public var isCursorAheadOfHead: Bool { cursor > headSequence }
    /// How long the oldest matching event not yet handled has been waiting, or `nil` if none is.
    public let oldestUndeliveredAge: Duration?
    /// Whether delivery is paused.
    public let isPaused: Bool
    /// Whether this process is delivering it now (it holds the lease).
    public let isActive: Bool
    /// The process holding an unexpired lease on it, if any (this one or another).
    public let leaseOwner: String?
    /// Dead letters waiting for an operator.
    public let deadLetterCount: Int
    /// Events with failed attempts waiting for their next one.
    public let retryingCount: Int
}
