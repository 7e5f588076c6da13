/// A payment provider (the specification's `PaymentPlugin`). It receives `payment.initiated`
/// by default and is expected to publish `payment.completed` or `payment.failed`.
public protocol PaymentPlugin: BillingPlugin {
    /// Charges a payment. Declines are results (`success == false`), not throws;
    /// throw for errors worth retrying (the network, the provider's 5xx).
    func processPayment(_ request: PaymentRequest) async throws -> PaymentResult
    /// Refunds all or part of a payment.
    func refundPayment(_ request: RefundRequest) async throws -> RefundResult
    /// The provider's current view of a payment.
    func getPaymentStatus(_ paymentId: String) async throws -> PaymentStatus
}

/// Where a payment stands. Extensible like `BillingEventType`.
public struct PaymentStatus: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let pending = PaymentStatus(rawValue: "pending")
    public static let requiresAction = PaymentStatus(rawValue: "requires_action")
    /// The provider is still working on it (a bank debit, say); the end comes later.
    public static let processing = PaymentStatus(rawValue: "processing")
    /// The money is held, to be captured or released (manual capture).
    public static let authorized = PaymentStatus(rawValue: "authorized")
    public static let succeeded = PaymentStatus(rawValue: "succeeded")
    public static let failed = PaymentStatus(rawValue: "failed")
    public static let cancelled = PaymentStatus(rawValue: "cancelled")
    public static let refunded = PaymentStatus(rawValue: "refunded")
    public static let partiallyRefunded = PaymentStatus(rawValue: "partially_refunded")
}

/// A charge to make.
public struct PaymentRequest: Sendable, Hashable, Codable {
    /// The host's payment id.
    public var paymentId: String
    /// Who pays.
    public var userId: String
    /// How much.
    public var amount: Money
    /// The provider's payment method to charge (`pm_...`).
    public var paymentMethodId: String?
    /// The invoice being paid.
    public var invoiceId: String?
    /// Sent to the provider so a retried request never charges twice; by default derived from the event id.
    public var idempotencyKey: String
    /// Shown on statements.
    public var description: String?
    /// Passed through to the provider.
    public var metadata: [String: String]
    /// The tenant the payment belongs to: whose settings (its own API key) the plugin
    /// uses, through `PluginConfig.settings(forTenant:)`.
    public var tenantId: String?

    /// Creates a request.
    public init(
        paymentId: String, userId: String, amount: Money, paymentMethodId: String? = nil, invoiceId: String? = nil,
        idempotencyKey: String, description: String? = nil, metadata: [String: String] = [:], tenantId: String? = nil
    ) {
        self.paymentId = paymentId
        self.userId = userId
        self.amount = amount
        self.paymentMethodId = paymentMethodId
        self.invoiceId = invoiceId
        self.idempotencyKey = idempotencyKey
        self.description = description
        self.metadata = metadata
        self.tenantId = tenantId
    }

    /// The request for a `payment.initiated` event, keyed on the event id, in its tenant.
    public init(_ initiated: PaymentInitiated, event: BillingEvent) {
        self.init(
            paymentId: initiated.payment.id, userId: initiated.payment.userId, amount: initiated.payment.amount,
            paymentMethodId: initiated.paymentMethodId, invoiceId: initiated.payment.invoiceId,
            idempotencyKey: "payment-\(event.id)", tenantId: event.tenantId
        )
    }
}

/// What the provider said about a charge.
public struct PaymentResult: Sendable, Hashable, Codable {
    /// Whether the money was (or will be) captured.
    public var success: Bool
    /// The host's payment id.
    public var paymentId: String
    /// The provider's id (a PaymentIntent id).
    public var providerReference: String?
    /// Where it stands.
    public var status: PaymentStatus
    /// The provider's decline or error code (`card_declined`).
    public var failureCode: String?
    /// A message for operators (no card data).
    public var failureMessage: String?

    /// Creates a result.
    public init(success: Bool, paymentId: String, providerReference: String? = nil, status: PaymentStatus, failureCode: String? = nil, failureMessage: String? = nil) {
        self.success = success
        self.paymentId = paymentId
        self.providerReference = providerReference
        self.status = status
        self.failureCode = failureCode
        self.failureMessage = failureMessage
    }
}

/// A refund to make.
public struct RefundRequest: Sendable, Hashable, Codable {
    /// The host's payment id.
    public var paymentId: String
    /// The provider's id of the payment.
    public var providerReference: String?
    /// How much; `nil` refunds the rest of the payment.
    public var amount: Money?
    /// Why (`requested_by_customer`).
    public var reason: String?
    /// Sent to the provider so a retried refund never pays out twice.
    public var idempotencyKey: String
    /// The tenant the payment belongs to (whose settings the plugin uses).
    public var tenantId: String?

    /// Creates a request.
    public init(
        paymentId: String, providerReference: String? = nil, amount: Money? = nil, reason: String? = nil, idempotencyKey: String,
        tenantId: String? = nil
    ) {
        self.paymentId = paymentId
        self.providerReference = providerReference
        self.amount = amount
        self.reason = reason
        self.idempotencyKey = idempotencyKey
        self.tenantId = tenantId
    }
}

/// What the provider said about a refund.
public struct RefundResult: Sendable, Hashable, Codable {
    /// Whether the refund went through.
    public var success: Bool
    /// The provider's refund id.
    public var refundId: String?
    /// How much was refunded.
    public var amount: Money?
    /// The payment's status after the refund.
    public var status: PaymentStatus
    /// Why it failed.
    public var failureMessage: String?

    /// Creates a result.
    public init(success: Bool, refundId: String? = nil, amount: Money? = nil, status: PaymentStatus, failureMessage: String? = nil) {
        self.success = success
        self.refundId = refundId
        self.amount = amount
        self.status = status
        self.failureMessage = failureMessage
    }
}
