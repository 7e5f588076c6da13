import BillingCore
import Foundation

extension StripePaymentPlugin {
    /// The Stripe event types turned into Bilingus events.
    public static let webhookEventTypes: Set<String> = [
        "payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled",
        "payment_intent.amount_capturable_updated", "payment_intent.requires_action", "charge.refunded",
    ]

    /// How long a handled Stripe event id is remembered: Stripe retries a webhook for up to 3 days.
    static let webhookMemory: Duration = .seconds(30 * 24 * 3600)

    /// Receives one inbound webhook request. Mount it on any HTTP server, one URL per
    /// tenant (each tenant's Stripe account signs with its own `webhookSecret`), and pass
    /// the body exactly as received.
    ///
    /// The `Stripe-Signature` header is verified first; a request that fails changes
    /// nothing. A verified event is handled once per Stripe event id. Stripe does not
    /// keep events in order, so the PaymentIntent is read back from Stripe and its state
    /// now decides what is published, with the same idempotency keys as the charge path
    /// (a payment completed by the call and by the webhook is stored once).
    ///
    /// - Parameters:
    ///   - body: the raw request body.
    ///   - headers: the request's headers (names in any case).
    ///   - tenantId: the tenant whose endpoint received it.
    /// - Throws: `webhook.signature_invalid` (answer 400); `parse.failure` for a body that
    ///   is not a Stripe event (400); `unsupported` when the tenant has no `webhookSecret`;
    ///   `stripe.*` and storage errors (answer 500: Stripe retries).
    public func receiveWebhook(body: [UInt8], headers: some Sequence<(String, String)>, tenantId: String?) async throws -> StripeWebhookReceipt {
        let runtime = try current()
        let tenantSettings = runtime.config.settings(forTenant: tenantId)
        guard tenantSettings["webhookSecret"] != nil else {
            throw BillingError(.unsupported, "No webhookSecret is set for the Stripe plugin\(tenantId.map { " in tenant '\($0)'" } ?? ""); the webhook was refused", field: "webhookSecret")
        }
        let settings = try StripeSettings(tenantSettings)  // the API key too: the intent is read back from Stripe
        let signature = headers.first { $0.0.lowercased() == "stripe-signature" }?.1
        try StripeWebhookSignature.verify(
            payload: body, header: signature, secrets: settings.webhookSecrets, tolerance: settings.webhookTolerance, now: runtime.config.wallClock.now()
        )
        guard let json = try? CanonicalJSON.decode(body), let id = json["id"]?.stringValue, let type = json["type"]?.stringValue,
            let object = json["data"]?["object"]
        else {
            throw BillingError(.parseFailure, "The webhook body is not a Stripe event (id, type and data.object)", field: "body")
        }
        let memoryKey = "webhook:\(tenantId ?? ""):\(id)"
        if try await runtime.config.state.get(memoryKey) != nil {
            return StripeWebhookReceipt(stripeEventId: id, type: type, disposition: .duplicate)
        }
        guard Self.webhookEventTypes.contains(type) else {
            return StripeWebhookReceipt(stripeEventId: id, type: type, disposition: .ignored("the plugin does not handle \(type)"))
        }
        let intentId = type == "charge.refunded" ? object["payment_intent"]?.stringValue : object["id"]?.stringValue
        guard let intentId else {
            return StripeWebhookReceipt(stripeEventId: id, type: type, disposition: .ignored("the event names no PaymentIntent"))
        }
        let disposition = try await handleWebhookEvent(type: type, intentId: intentId, tenantId: tenantId, settings: settings, runtime: runtime)
        // Remembered only once handled: an event that failed halfway is handled again when Stripe retries it.
        try await runtime.config.state.put(memoryKey, ["type": .string(type)], expiresIn: Self.webhookMemory)
        return StripeWebhookReceipt(stripeEventId: id, type: type, disposition: disposition)
    }

    private func handleWebhookEvent(
        type: String, intentId: String, tenantId: String?, settings: StripeSettings, runtime: Runtime
    ) async throws -> StripeWebhookReceipt.Disposition {
        let intent = try await runtime.client.paymentIntent(intentId, settings: settings)
        guard let attemptId = intent.metadata["bilingus_attempt"] else {
            return .ignored("PaymentIntent \(intent.id) was not created by Bilingus")
        }
        guard intent.metadata["bilingus_tenant"] == tenantId else {
            return .ignored("PaymentIntent \(intent.id) belongs to another tenant")
        }
        guard var attempt = try await runtime.config.state.get(StripeAttempt.key(attemptId), as: StripeAttempt.self) else {
            return .ignored("no payment attempt \(attemptId) is recorded here")
        }
        if attempt.paymentIntentId == nil || attempt.intentStatus != intent.status {
            // The charge's answer may never have been recorded (a crash, a lost response): the webhook completes the record.
            attempt.paymentIntentId = intent.id
            attempt.intentStatus = intent.status
            try await runtime.config.state.put(StripeAttempt.key(attemptId), encoding: attempt)
        }
        if type == "charge.refunded" {
            var ids: [EventID] = []
            for refund in try await runtime.client.refunds(paymentIntent: intent.id, settings: settings) where refund.status == "succeeded" {
                if let id = try await announceRefund(refund, attempt: attempt, intent: intent, runtime: runtime).eventId { ids.append(id) }
            }
            return .handled(ids)
        }
        let outcome = StripeOutcome(intent)
        guard let event = try outcomeEvent(attempt, intent: intent, outcome: outcome, runtime: runtime) else {
            return .ignored("PaymentIntent \(intent.id) is \(intent.status): nothing to announce yet")
        }
        return .handled([try await runtime.config.publishOnce(event).id])
    }
}
