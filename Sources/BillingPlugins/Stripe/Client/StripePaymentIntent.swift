public import BillingCore

/// The fields of a Stripe PaymentIntent the plugin reads. Amounts are Stripe's integers
/// in ``currency``; `amountReceivedMoney()` and its siblings convert them with Stripe's currency rules.
public struct StripePaymentIntent: Sendable, Hashable, Decodable {
    /// `pi_...`.
    public var id: String
    /// `requires_payment_method`, `requires_confirmation`, `requires_action`, `processing`,
    /// `requires_capture`, `succeeded` or `canceled`.
    public var status: String
    /// The amount asked for.
    public var amount: Int64
    /// What can still be captured (manual capture).
    public var amountCapturable: Int64
    /// What was captured.
    public var amountReceived: Int64
    /// Lowercase ISO code.
    public var currency: String
    /// `automatic`, `automatic_async` or `manual`.
    public var captureMethod: String?
    /// Why it was cancelled.
    public var cancellationReason: String?
    /// The metadata sent at creation (the plugin's `bilingus_*` keys among them).
    public var metadata: [String: String]
    /// The last failure's code and decline code, and what the customer must do next.
    public var lastPaymentError: PaymentError?
    /// The kind of action the customer must take (`use_stripe_sdk`, `redirect_to_url`).
    public var nextActionType: String?
    /// The latest charge's id.
    public var latestChargeId: String?
    /// What the latest charge has refunded, when the intent was read with the charge expanded.
    public var amountRefunded: Int64?
    /// The key a web page completes a 3-D Secure step with (Stripe.js `handleNextAction`).
    /// Give it to that customer's browser only; it prints as `***` and the plugin never stores it.
    public var clientSecret: Secret?

    /// A PaymentIntent's `last_payment_error`.
    public struct PaymentError: Sendable, Hashable, Decodable {
        /// `card_declined`, `authentication_required`, ...
        public var code: String?
        /// The issuer's reason (`insufficient_funds`).
        public var declineCode: String?
        /// Stripe's message.
        public var message: String?

        enum CodingKeys: String, CodingKey {
            case code, message
            case declineCode = "decline_code"
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, status, amount, currency, metadata
        case amountCapturable = "amount_capturable"
        case amountReceived = "amount_received"
        case captureMethod = "capture_method"
        case cancellationReason = "cancellation_reason"
        case lastPaymentError = "last_payment_error"
        case nextAction = "next_action"
        case latestCharge = "latest_charge"
        case clientSecret = "client_secret"
    }

    private struct NextAction: Decodable {
        var type: String?
    }

    private struct Charge: Decodable {
        var id: String
        var amountRefunded: Int64?
        enum CodingKeys: String, CodingKey {
            case id
            case amountRefunded = "amount_refunded"
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        status = try container.decode(String.self, forKey: .status)
        amount = try container.decode(Int64.self, forKey: .amount)
        amountCapturable = try container.decodeIfPresent(Int64.self, forKey: .amountCapturable) ?? 0
        amountReceived = try container.decodeIfPresent(Int64.self, forKey: .amountReceived) ?? 0
        currency = try container.decode(String.self, forKey: .currency)
        captureMethod = try container.decodeIfPresent(String.self, forKey: .captureMethod)
        cancellationReason = try container.decodeIfPresent(String.self, forKey: .cancellationReason)
        metadata = try container.decodeIfPresent([String: String].self, forKey: .metadata) ?? [:]
        lastPaymentError = try container.decodeIfPresent(PaymentError.self, forKey: .lastPaymentError)
        nextActionType = try container.decodeIfPresent(NextAction.self, forKey: .nextAction)?.type
        clientSecret = try container.decodeIfPresent(String.self, forKey: .clientSecret).map(Secret.init)
        // `latest_charge` is an id, or the charge itself when expanded.
        if let charge = try? container.decodeIfPresent(Charge.self, forKey: .latestCharge) {
            latestChargeId = charge.id
            amountRefunded = charge.amountRefunded
        } else {
            latestChargeId = try container.decodeIfPresent(String.self, forKey: .latestCharge)
        }
    }

    /// The amount asked for, as Money.
    public func amountMoney() throws -> Money { try StripeAmount.decode(amount, currency: currency) }
    /// What was captured, as Money.
    public func amountReceivedMoney() throws -> Money { try StripeAmount.decode(amountReceived, currency: currency) }
    /// What can still be captured, as Money.
    public func amountCapturableMoney() throws -> Money { try StripeAmount.decode(amountCapturable, currency: currency) }
}

/// The fields of a Stripe Refund the plugin reads.
public struct StripeRefund: Sendable, Hashable, Decodable {
    /// `re_...`.
    public var id: String
    /// Stripe's integer amount in ``currency``.
    public var amount: Int64
    /// Lowercase ISO code.
    public var currency: String
    /// `pending`, `succeeded`, `failed`, `canceled` or `requires_action`.
    public var status: String?
    /// `duplicate`, `fraudulent` or `requested_by_customer`.
    public var reason: String?
    /// The refunded PaymentIntent.
    public var paymentIntentId: String?

    enum CodingKeys: String, CodingKey {
        case id, amount, currency, status, reason
        case paymentIntentId = "payment_intent"
    }

    /// The amount as Money.
    public func amountMoney() throws -> Money { try StripeAmount.decode(amount, currency: currency) }
}
