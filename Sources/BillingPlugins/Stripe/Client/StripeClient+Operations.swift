import BillingCore
import NIOHTTP1

/// The Stripe operations the plugin uses, each one call with typed parameters and answer.
extension StripeClient {
    /// What a PaymentIntent is created with.
    struct PaymentIntentParameters: Sendable {
        var amount: Int64
        var currency: String
        var customer: String?
        var paymentMethod: String?
        var offSession: Bool
        var manualCapture: Bool
        var description: String?
        var metadata: [String: String]

        var form: StripeForm {
            var form = StripeForm()
            form.append("amount", amount)
            form.append("currency", currency)
            form.append("confirm", true)
            form.append("capture_method", manualCapture ? "manual" : "automatic")
            if let customer { form.append("customer", customer) }
            if let paymentMethod { form.append("payment_method", paymentMethod) }
            // Only a saved method is charged without the customer present; sending it then
            // lets the bank skip the challenge, or Stripe answers authentication_required.
            if offSession { form.append("off_session", true) }
            if let description { form.append("description", description) }
            form.append("metadata", dictionary: metadata)
            form.append("expand[]", "latest_charge")
            return form
        }
    }

    /// Creates and confirms a PaymentIntent. A decline throws `stripe.card_error` whose
    /// ``StripeError/paymentIntent`` is the declined intent.
    func createPaymentIntent(_ parameters: PaymentIntentParameters, idempotencyKey: String, settings: StripeSettings) async throws -> (StripePaymentIntent, replayed: Bool) {
        let response = try await send(.POST, "/v1/payment_intents", form: parameters.form, idempotencyKey: idempotencyKey, settings: settings, operation: "create the payment intent")
        return (try Self.decode(StripePaymentIntent.self, response, operation: "create the payment intent"), response.replayed)
    }

    /// Reads a PaymentIntent, with its latest charge (for what was refunded).
    func paymentIntent(_ id: String, settings: StripeSettings) async throws -> StripePaymentIntent {
        var form = StripeForm()
        form.append("expand[]", "latest_charge")
        let response = try await send(.GET, "/v1/payment_intents/\(try Self.pathComponent(id))", form: form, settings: settings, operation: "read the payment intent")
        return try Self.decode(StripePaymentIntent.self, response, operation: "read the payment intent")
    }

    /// Captures an authorised PaymentIntent, all of it or `amount`.
    func capturePaymentIntent(_ id: String, amount: Int64?, idempotencyKey: String, settings: StripeSettings) async throws -> StripePaymentIntent {
        var form = StripeForm()
        if let amount { form.append("amount_to_capture", amount) }
        form.append("expand[]", "latest_charge")
        let response = try await send(
            .POST, "/v1/payment_intents/\(try Self.pathComponent(id))/capture", form: form, idempotencyKey: idempotencyKey, settings: settings,
            operation: "capture the payment intent"
        )
        return try Self.decode(StripePaymentIntent.self, response, operation: "capture the payment intent")
    }

    /// Cancels a PaymentIntent that is not yet captured.
    func cancelPaymentIntent(_ id: String, reason: String?, idempotencyKey: String, settings: StripeSettings) async throws -> StripePaymentIntent {
        var form = StripeForm()
        if let reason { form.append("cancellation_reason", reason) }
        let response = try await send(
            .POST, "/v1/payment_intents/\(try Self.pathComponent(id))/cancel", form: form, idempotencyKey: idempotencyKey, settings: settings,
            operation: "cancel the payment intent"
        )
        return try Self.decode(StripePaymentIntent.self, response, operation: "cancel the payment intent")
    }

    /// Refunds a PaymentIntent, all that is left or `amount`.
    func createRefund(
        paymentIntent: String, amount: Int64?, reason: String?, metadata: [String: String], idempotencyKey: String, settings: StripeSettings
    ) async throws -> StripeRefund {
        var form = StripeForm()
        form.append("payment_intent", paymentIntent)
        if let amount { form.append("amount", amount) }
        if let reason { form.append("reason", reason) }
        form.append("metadata", dictionary: metadata)
        let response = try await send(.POST, "/v1/refunds", form: form, idempotencyKey: idempotencyKey, settings: settings, operation: "refund the payment")
        return try Self.decode(StripeRefund.self, response, operation: "refund the payment")
    }

    static func decode<T: Decodable>(_ type: T.Type, _ response: Response, operation: String) throws -> T {
        do {
            return try CanonicalJSON.decode(type, from: response.json)
        } catch {
            throw StripeError(kind: .api, message: "Stripe's answer to '\(operation)' lacks fields the plugin needs", requestId: response.requestId)
                .billingError(during: operation)
        }
    }

    /// An id placed in a URL path: Stripe ids are letters, digits and `_`; anything else is refused, not escaped.
    static func pathComponent(_ id: String) throws -> String {
        guard !id.isEmpty, id.count <= 255, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw BillingError(.invalidArgument, "'\(id.prefix(40))' is not a Stripe object id", field: "id")
        }
        return id
    }
}

extension StripeClient {
    private struct RefundList: Decodable {
        var data: [StripeRefund]
    }

    /// The refunds of a PaymentIntent, newest first (at most 100: more refunds than that on one payment is not a case the plugin serves).
    func refunds(paymentIntent: String, settings: StripeSettings) async throws -> [StripeRefund] {
        var form = StripeForm()
        form.append("payment_intent", try Self.pathComponent(paymentIntent))
        form.append("limit", Int64(100))
        let response = try await send(.GET, "/v1/refunds", form: form, settings: settings, operation: "list the payment's refunds")
        return try Self.decode(RefundList.self, response, operation: "list the payment's refunds").data
    }
}
