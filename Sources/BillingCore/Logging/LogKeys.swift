/// The swift-log metadata keys Bilingus writes (DESIGN §8), so hosts can filter on them.
public enum LogKeys {
    /// The event's id.
    public static let eventID = "billing.event.id"
    /// The event's type.
    public static let eventType = "billing.event.type"
    /// The inline handler's name.
    public static let handler = "billing.handler"
    /// The plugin's name.
    public static let plugin = "billing.plugin"
    /// The durable subscription's name.
    public static let subscription = "billing.subscription"
}
