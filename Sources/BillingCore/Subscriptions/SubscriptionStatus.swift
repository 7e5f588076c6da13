/// What an operator needs to know about one durable subscription.
public struct SubscriptionStatus: Sendable, Hashable {
    /// The subscription's name.
    public let name: String
    /// The event types it receives.
    public let patterns: [EventPattern]
    /// The persisted cursor: everything up to it has been handled or dead-lettered.
    public let cursor: Int64
    /// The store's head sequence when the status was read.
    public let headSequence: Int64
    /// `headSequence - cursor`: how far behind the subscription is, in sequences.
    public var lag: Int64 { max(0, headSequence - cursor) }
    /// How long the oldest matching event not yet handled has been waiting, or `nil` if none is.
    public let oldestUndeliveredAge: Duration?
    /// Whether delivery is paused.
    public let isPaused: Bool
    /// Whether a handler is registered in this process and the dispatcher is running it.
    public let isActive: Bool
    /// Dead letters waiting for an operator.
    public let deadLetterCount: Int
}
