public import BillingCore

/// `fraud.reported`: a transaction turned out to be fraudulent.
///
/// ``RuleBasedFraudPlugin/reportFraud(transactionId:reason:)`` publishes it, and every
/// instance of the plugin reads these events back at start, so a reported user or card
/// stays blocked across restarts and processes.
public struct FraudReported: BillingEventPayload, Hashable {
    /// `fraud.reported`.
    public static let eventType = try! BillingEventType("fraud.reported")

    /// The fraudulent transaction (payment) id.
    public var transactionId: String
    /// Why it was reported (for operators).
    public var reason: String
    /// The user who made it, when the store knew; now blocked.
    public var userId: String?
    /// The card's fingerprint, when the payment carried one; now blocked.
    public var cardFingerprint: String?

    public var eventEntityId: String? { transactionId }
    public var eventUserId: String? { userId }

    /// Creates the payload.
    public init(transactionId: String, reason: String, userId: String? = nil, cardFingerprint: String? = nil) {
        self.transactionId = transactionId
        self.reason = reason
        self.userId = userId
        self.cardFingerprint = cardFingerprint
    }
}
