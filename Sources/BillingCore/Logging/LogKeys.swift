/// The swift-log metadata keys Bilingus writes, so hosts can filter on them.
/// Every key is dotted and starts with `billing.`.
public enum LogKeys {
    /// The event's id.
    public static let eventID = "billing.event.id"
    /// The event's type.
    public static let eventType = "billing.event.type"
    /// The event's store sequence.
    public static let eventSequence = "billing.event.sequence"
    /// The inline handler's name.
    public static let handler = "billing.handler"
    /// The plugin's name.
    public static let plugin = "billing.plugin"
    /// The durable subscription's name.
    public static let subscription = "billing.subscription"
    /// The delivery attempt, from 1.
    public static let attempt = "billing.attempt"
    /// The delay before the next attempt.
    public static let retryDelay = "billing.retry.delay"
    /// The tenant.
    public static let tenant = "billing.tenant"
}
