public import BillingCore

// Payment events between `payment.initiated` and its end that the specification's 22
// types do not name: a provider plugin publishes them (the Stripe plugin does).

/// `payment.authorized`: the money is held on the card, to be captured or released
/// later (manual capture).
public struct PaymentAuthorized: BillingEventPayload, Hashable {
    /// `payment.authorized`.
    public static let eventType = try! BillingEventType("payment.authorized")
    /// The payment, status `requires_capture`.
    public var payment: PaymentSnapshot
    /// What can be captured.
    public var amountCapturable: Money
    public var eventEntityId: String? { payment.id }
    public var eventUserId: String? { payment.userId }
    /// Creates the payload.
    public init(payment: PaymentSnapshot, amountCapturable: Money) {
        self.payment = payment
        self.amountCapturable = amountCapturable
    }
}

/// `payment.requires_action`: the customer must act before the payment can go on,
/// such as authenticating with their bank (3-D Secure). Not a failure: the host asks
/// the customer, and the provider reports the end as `payment.completed` or `payment.failed`.
public struct PaymentRequiresAction: BillingEventPayload, Hashable {
    /// `payment.requires_action`.
    public static let eventType = try! BillingEventType("payment.requires_action")
    /// Why the customer must come back while they are present.
    public static let authenticationRequired = "authentication_required"
    /// The customer must complete a step now (3-D Secure on-session).
    public static let requiresAction = "requires_action"

    /// The payment, status `requires_action`.
    public var payment: PaymentSnapshot
    /// ``requiresAction`` (a challenge to complete now) or ``authenticationRequired``
    /// (an off-session charge the bank wants the customer to authenticate: ask them to pay on-session).
    public var reason: String
    /// The provider's kind of next step (`use_stripe_sdk`, `redirect_to_url`).
    public var nextActionType: String?
    public var eventEntityId: String? { payment.id }
    public var eventUserId: String? { payment.userId }
    /// Creates the payload.
    public init(payment: PaymentSnapshot, reason: String, nextActionType: String? = nil) {
        self.payment = payment
        self.reason = reason
        self.nextActionType = nextActionType
    }
}

/// `payment.cancelled`: an uncaptured payment was cancelled; the held money is released.
public struct PaymentCancelled: BillingEventPayload, Hashable {
    /// `payment.cancelled`.
    public static let eventType = try! BillingEventType("payment.cancelled")
    /// The payment, status `cancelled`.
    public var payment: PaymentSnapshot
    /// Why (`requested_by_customer`, `duplicate`, `fraudulent`, `abandoned`).
    public var reason: String?
    public var eventEntityId: String? { payment.id }
    public var eventUserId: String? { payment.userId }
    /// Creates the payload.
    public init(payment: PaymentSnapshot, reason: String? = nil) {
        self.payment = payment
        self.reason = reason
    }
}
