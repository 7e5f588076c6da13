import BillingCore
import Foundation

/// One payment attempt as the plugin records it in its state store, under
/// `attempt:<attempt id>` (the `payment.initiated` event id): written before Stripe is
/// called, so a redelivery after a crash knows a charge may have been made and repeats it
/// with the same idempotency key instead of making a new one.
struct StripeAttempt: Codable, Sendable, Hashable {
    /// The `payment.initiated` event id, or `direct:<key>` for a direct ``StripePaymentPlugin/processPayment(_:)``.
    var attemptId: String
    /// The tenant whose Stripe account is charged.
    var tenantId: String?
    /// The initiating event's correlation id, for the events that follow.
    var correlationId: String?
    /// Whether the attempt came from a stored `payment.initiated` (its events are caused by it).
    var fromEvent: Bool
    /// The payment as initiated.
    var payment: PaymentSnapshot
    /// When the plugin first called Stripe for it: Stripe keeps idempotency keys 24 hours.
    var startedAt: Date
    /// The PaymentIntent, once Stripe said which.
    var paymentIntentId: String?
    /// The intent's last known status.
    var intentStatus: String?

    static func key(_ attemptId: String) -> String { "attempt:\(attemptId)" }

    /// Where an attempt is found from the host's payment id: `payment:<payment id>:<tenant>`.
    static func paymentKey(paymentId: String, tenantId: String?) -> String { "payment:\(paymentId):\(tenantId ?? "")" }

    /// The `Idempotency-Key` of an operation on this attempt: the same on every retry and
    /// redelivery of the attempt, different for every other attempt.
    func idempotencyKey(_ operation: String) -> String {
        let key = "bilingus:\(attemptId):\(operation)"
        // Stripe takes keys of at most 255 characters; a longer one (a caller's long refund key) is hashed.
        guard key.utf8.count > 255 else { return key }
        return "bilingus:sha256:" + sha256Hex(key)
    }

    /// The idempotency key of the Bilingus event announcing `outcome` for this attempt:
    /// the charge path, capture, cancel and inbound webhooks all derive the same one, so
    /// each outcome is stored once whichever path sees it first.
    func eventKey(_ outcome: String) -> String { "\(StripePaymentPlugin.name):\(attemptId):\(outcome)" }
}

/// The index entry under ``StripeAttempt/paymentKey(paymentId:tenantId:)``: the latest attempt for a payment.
struct StripePaymentIndex: Codable, Sendable, Hashable {
    var paymentId: String
    var tenantId: String?
    var attemptId: String
}
