public import BillingCore

// `webhook.signature_invalid` (`BillingError.Code.webhookSignatureInvalid`) is shared with the
// Stripe plugin's inbound webhooks and defined beside StripeWebhookSignature.
extension BillingError.Code {
    /// A webhook endpoint's URL may not be called: not http or https, user info in it, plain
    /// http to a host that is not allow-listed, or its host is (or resolves to) a loopback,
    /// private, link-local, carrier-grade NAT, multicast, unspecified, broadcast or reserved
    /// address. The message names the address and its range. Nothing was sent.
    public static let webhookURLRefused = BillingError.Code("webhook.url_refused")
    /// A webhook endpoint's host name does not resolve (or resolution failed). Nothing was sent.
    public static let webhookURLUnresolvable = BillingError.Code("webhook.url_unresolvable")
}

extension BillingError.Code {
    /// A webhook message cannot be requeued while one of its attempts is in flight.
    public static let webhookMessageInFlight = BillingError.Code("webhook.message_in_flight")
}
