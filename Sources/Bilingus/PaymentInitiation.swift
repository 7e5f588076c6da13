public import BillingCore

/// What ``BillingEngine/initiatePayment(_:paymentMethodId:user:tenantId:metadata:idempotencyKey:checks:)`` did.
public struct PaymentInitiation: Sendable {
    /// Whether the payment went on to the payment plugin.
    public enum Outcome: String, Sendable, Hashable {
        /// Every check passed; `payment.initiated` is stored and the payment plugin will charge it.
        case initiated
        /// A check stopped it; `payment.failed` (code `blocked`) is stored and nothing is charged.
        case blocked
    }

    /// Initiated or blocked.
    public let outcome: Outcome
    /// The stored event: `payment.initiated`, or the `payment.failed` that records the block.
    public let event: BillingEvent
    /// The checks that ran and their results; `nil` when the call was a replay.
    public let checks: PipelineResult?
    /// The check that blocked the payment.
    public let blockedBy: String?
    /// Why it was blocked (the check's reasons).
    public let reason: String?
    /// Whether the payment had already been initiated or blocked under this idempotency
    /// key: the stored event came back and no check ran again.
    public let replayed: Bool

    package init(outcome: Outcome, event: BillingEvent, checks: PipelineResult?, blockedBy: String?, reason: String?, replayed: Bool) {
        self.outcome = outcome
        self.event = event
        self.checks = checks
        self.blockedBy = blockedBy
        self.reason = reason
        self.replayed = replayed
    }
}
