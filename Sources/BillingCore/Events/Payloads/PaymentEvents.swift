/// `payment.initiated`: the host asked for a payment; payment plugins act on it.
public struct PaymentInitiated: BillingEventPayload, Hashable {
    public static let eventType = BillingEventType.paymentInitiated
    /// The payment to process.
    public var payment: PaymentSnapshot
    /// The provider's payment-method id to charge (a Stripe `pm_...`).
    public var paymentMethodId: String?
    public var eventEntityId: String? { payment.id }
    public var eventUserId: String? { payment.userId }
    /// Creates the payload.
    public init(payment: PaymentSnapshot, paymentMethodId: String? = nil) {
        self.payment = payment
        self.paymentMethodId = paymentMethodId
    }
}

/// `payment.completed`: the money was captured.
public struct PaymentCompleted: BillingEventPayload, Hashable {
    public static let eventType = BillingEventType.paymentCompleted
    /// The completed payment.
    public var payment: PaymentSnapshot
    public var eventEntityId: String? { payment.id }
    public var eventUserId: String? { payment.userId }
    /// Creates the payload.
    public init(payment: PaymentSnapshot) { self.payment = payment }
}

/// `payment.failed`: the payment was declined or could not be processed.
public struct PaymentFailed: BillingEventPayload, Hashable {
    public static let eventType = BillingEventType.paymentFailed
    /// The failed payment.
    public var payment: PaymentSnapshot
    /// A machine-readable code from the provider (`card_declined`).
    public var failureCode: String?
    /// A message for operators (no secrets, no card data).
    public var failureMessage: String
    public var eventEntityId: String? { payment.id }
    public var eventUserId: String? { payment.userId }
    /// Creates the payload.
    public init(payment: PaymentSnapshot, failureCode: String? = nil, failureMessage: String) {
        self.payment = payment
        self.failureCode = failureCode
        self.failureMessage = failureMessage
    }
}

/// `payment.refunded`: some or all of a payment was returned.
public struct PaymentRefunded: BillingEventPayload, Hashable {
    public static let eventType = BillingEventType.paymentRefunded
    /// The payment after the refund.
    public var payment: PaymentSnapshot
    /// The provider's refund id.
    public var refundId: String
    /// How much was returned.
    public var refundedAmount: Money
    /// Why.
    public var reason: String?
    public var eventEntityId: String? { payment.id }
    public var eventUserId: String? { payment.userId }
    /// Creates the payload.
    public init(payment: PaymentSnapshot, refundId: String, refundedAmount: Money, reason: String? = nil) {
        self.payment = payment
        self.refundId = refundId
        self.refundedAmount = refundedAmount
        self.reason = reason
    }
}
