/// One attempt to deliver one event to one durable subscription: what every
/// ``DeliveryMiddleware`` sees (in the spirit of swift-jobs' `JobExecutionContext`).
public struct Delivery: Sendable {
    /// The event, as stored.
    public let event: BillingEvent
    /// The durable subscription it is delivered to.
    public let subscription: String
    /// The attempt number, from 1. Attempts are persisted before they start, so the
    /// count goes on across restarts, and an attempt during which the process died counts.
    public let attempt: Int
    /// Whether an operator asked for this dead letter to be delivered again. A failed
    /// redelivery leaves the dead letter in place (it is not dead-lettered twice).
    public let isRedelivery: Bool

    /// Creates a delivery (the dispatcher does; tests of middleware may too).
    public init(event: BillingEvent, subscription: String, attempt: Int, isRedelivery: Bool = false) {
        self.event = event
        self.subscription = subscription
        self.attempt = attempt
        self.isRedelivery = isRedelivery
    }
}
