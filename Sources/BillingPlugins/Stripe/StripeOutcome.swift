import BillingCore

/// Where a PaymentIntent stands, as Bilingus sees it: the one mapping the charge path,
/// capture, cancel, status reads and inbound webhooks share.
enum StripeOutcome: Sendable, Hashable {
    /// `succeeded`: captured (`amountReceived`).
    case completed
    /// `requires_payment_method` after a failure: declined, with the decline code.
    case failed(code: String?, message: String)
    /// `requires_action`, or an off-session charge the bank wants authenticated.
    case requiresAction(reason: String, nextActionType: String?)
    /// `requires_capture`: authorised, to be captured or cancelled.
    case authorized
    /// `canceled`.
    case cancelled(reason: String?)
    /// `processing`, `requires_confirmation`, or `requires_payment_method` with no failure yet: no end to report.
    case pending(status: String)

    init(_ intent: StripePaymentIntent) {
        switch intent.status {
        case "succeeded":
            self = .completed
        case "requires_capture":
            self = .authorized
        case "requires_action":
            self = .requiresAction(reason: PaymentRequiresAction.requiresAction, nextActionType: intent.nextActionType)
        case "canceled":
            self = .cancelled(reason: intent.cancellationReason)
        case "requires_payment_method" where intent.lastPaymentError != nil:
            let error = intent.lastPaymentError
            if error?.code == PaymentRequiresAction.authenticationRequired || error?.declineCode == PaymentRequiresAction.authenticationRequired {
                self = .requiresAction(reason: PaymentRequiresAction.authenticationRequired, nextActionType: nil)
            } else {
                self = .failed(code: error?.declineCode ?? error?.code, message: error?.message ?? "The payment was declined")
            }
        default:
            self = .pending(status: intent.status)
        }
    }

    /// The status a host sees (``PaymentStatus``), refunds counted for a captured intent.
    static func paymentStatus(of intent: StripePaymentIntent) -> PaymentStatus {
        switch StripeOutcome(intent) {
        case .completed:
            guard let refunded = intent.amountRefunded, refunded > 0 else { return .succeeded }
            return refunded >= intent.amountReceived ? .refunded : .partiallyRefunded
        case .failed: return .failed
        case .requiresAction: return .requiresAction
        case .authorized: return .authorized
        case .cancelled: return .cancelled
        case .pending(let status): return status == "processing" ? .processing : .pending
        }
    }

    /// The idempotency-key suffix of the event announcing this outcome; `nil` when there is none to announce.
    var eventName: String? {
        switch self {
        case .completed: "completed"
        case .failed: "failed"
        case .requiresAction: "requires_action"
        case .authorized: "authorized"
        case .cancelled: "cancelled"
        case .pending: nil
        }
    }
}
