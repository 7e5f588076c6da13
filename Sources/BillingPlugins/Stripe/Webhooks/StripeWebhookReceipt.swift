public import BillingCore

/// What the plugin did with a verified Stripe webhook. Answer Stripe with HTTP 200 for
/// any receipt (a thrown error is a 400 for a bad signature or body, a 500 otherwise, and
/// Stripe retries those).
public struct StripeWebhookReceipt: Sendable, Hashable {
    /// What happened to the event.
    public enum Disposition: Sendable, Hashable {
        /// Turned into these Bilingus events (stored now, or found stored already).
        case handled([EventID])
        /// Seen before (its Stripe event id): nothing was done again.
        case duplicate
        /// Verified but not for this plugin: another type, or an intent it did not create (the reason says which).
        case ignored(String)
    }

    /// Stripe's event id (`evt_...`).
    public var stripeEventId: String
    /// Stripe's event type (`payment_intent.succeeded`).
    public var type: String
    /// What happened.
    public var disposition: Disposition

    /// Creates a receipt.
    public init(stripeEventId: String, type: String, disposition: Disposition) {
        self.stripeEventId = stripeEventId
        self.type = type
        self.disposition = disposition
    }
}
