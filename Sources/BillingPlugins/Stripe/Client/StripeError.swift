public import BillingCore

/// What Stripe said when a request failed: its error object, typed.
///
/// The plugin throws it as the `underlying` error of a `BillingError`
/// coded `stripe.*`, so a host can tell a decline from an outage:
///
/// ```swift
/// catch let error as BillingError {
///     if let stripe = error.underlying as? StripeError, stripe.kind == .card {
///         print(stripe.declineCode ?? stripe.code ?? "declined", stripe.requestId ?? "")
///     }
/// }
/// ```
///
/// Nothing in it ever contains the API key: Stripe's messages are redacted before they are kept.
public struct StripeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stripe's error `type`, plus the failures that never reached Stripe.
    public enum Kind: String, Sendable, Hashable {
        /// `card_error`: the card was declined or needs authentication (HTTP 402).
        case card = "card_error"
        /// `invalid_request_error`: the request was wrong (its ``StripeError/param`` says where).
        case invalidRequest = "invalid_request_error"
        /// `idempotency_error`: an idempotency key was reused with other parameters, or is in use.
        case idempotency = "idempotency_error"
        /// `api_error`: Stripe failed (HTTP 5xx).
        case api = "api_error"
        /// HTTP 401: the API key is wrong or revoked.
        case authentication = "authentication_error"
        /// HTTP 403: the key may not do this.
        case permission = "permission_error"
        /// HTTP 429: too many requests.
        case rateLimit = "rate_limit_error"
        /// No answer from Stripe: the connection failed or timed out. The request may have run.
        case connection = "connection_error"
    }

    /// The kind of failure.
    public var kind: Kind
    /// The HTTP status, when Stripe answered.
    public var httpStatus: Int?
    /// Stripe's `code` (`card_declined`, `authentication_required`, `resource_missing`).
    public var code: String?
    /// The issuer's reason for a decline (`insufficient_funds`, `lost_card`).
    public var declineCode: String?
    /// The parameter at fault, for an invalid request.
    public var param: String?
    /// Stripe's message, redacted.
    public var message: String
    /// The `Request-Id` to quote to Stripe's support.
    public var requestId: String?
    /// The PaymentIntent from `error.payment_intent` (a decline's intent), if Stripe sent one.
    public var paymentIntent: StripePaymentIntent?

    /// Creates an error.
    public init(
        kind: Kind, httpStatus: Int? = nil, code: String? = nil, declineCode: String? = nil, param: String? = nil, message: String,
        requestId: String? = nil, paymentIntent: StripePaymentIntent? = nil
    ) {
        self.kind = kind
        self.httpStatus = httpStatus
        self.code = code
        self.declineCode = declineCode
        self.param = param
        self.message = message
        self.requestId = requestId
        self.paymentIntent = paymentIntent
    }

    public var description: String {
        var parts = ["\(kind.rawValue)"]
        if let httpStatus { parts.append("HTTP \(httpStatus)") }
        if let code { parts.append("code \(code)") }
        if let declineCode { parts.append("decline \(declineCode)") }
        if let param { parts.append("param \(param)") }
        if let requestId { parts.append("request \(requestId)") }
        return "StripeError(\(parts.joined(separator: ", "))): \(message)"
    }

    /// The `BillingError` code this failure is thrown with.
    public var billingCode: BillingError.Code {
        switch kind {
        case .card: .stripeCardError
        case .invalidRequest: .stripeInvalidRequest
        case .idempotency: .stripeIdempotencyError
        case .api: .stripeAPIError
        case .authentication, .permission: .stripeAuthentication
        case .rateLimit: .stripeRateLimited
        case .connection: .stripeConnection
        }
    }

    /// The error as the plugin throws it: a `BillingError` naming the operation, with this as its cause.
    func billingError(during operation: String) -> BillingError {
        var text = "Stripe refused to \(operation): \(message)"
        if kind == .connection { text = "Stripe could not be reached to \(operation): \(message)" }
        if let requestId { text += " (request \(requestId))" }
        return BillingError(billingCode, text, field: param, underlying: self)
    }
}

extension BillingError.Code {
    /// Stripe declined the card or needs the customer to authenticate (`card_error`).
    public static let stripeCardError = BillingError.Code("stripe.card_error")
    /// Stripe rejected the request's parameters (`invalid_request_error`).
    public static let stripeInvalidRequest = BillingError.Code("stripe.invalid_request")
    /// An idempotency key was reused with other parameters, or is in use by another request.
    public static let stripeIdempotencyError = BillingError.Code("stripe.idempotency_error")
    /// Stripe failed (`api_error`, HTTP 5xx) and the retries ran out.
    public static let stripeAPIError = BillingError.Code("stripe.api_error")
    /// The API key was refused (HTTP 401) or lacks the permission (HTTP 403).
    public static let stripeAuthentication = BillingError.Code("stripe.authentication")
    /// Stripe kept answering 429 and the retries ran out.
    public static let stripeRateLimited = BillingError.Code("stripe.rate_limited")
    /// Stripe could not be reached and the retries ran out; the request may have run.
    public static let stripeConnection = BillingError.Code("stripe.connection")
}
