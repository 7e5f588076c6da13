public import BillingCore

/// `loyalty.points_awarded`: the plugin's own event type. Plugins may add types;
/// they follow the same `noun.verb` rules as the built-in ones.
public struct LoyaltyPointsAwarded: BillingEventPayload, Hashable {
    public static let eventType = try! BillingEventType("loyalty.points_awarded")

    /// Who earned them.
    public var userId: String
    /// The paid invoice they were earned on.
    public var invoiceId: String
    /// How many.
    public var points: Int64

    public var eventEntityId: String? { userId }
    public var eventUserId: String? { userId }

    /// Creates the payload.
    public init(userId: String, invoiceId: String, points: Int64) {
        self.userId = userId
        self.invoiceId = invoiceId
        self.points = points
    }
}
