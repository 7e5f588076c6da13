public import BillingCore
import Foundation

extension StripePaymentPlugin {
    /// How a charge is made, from the initiating event's metadata (or a direct request's).
    struct ChargeOptions: Sendable {
        /// `stripeCustomer`: the Stripe customer (`cus_...`) the payment method belongs to.
        var customer: String?
        /// `offSession`: the customer is not present (a saved card, a renewal).
        var offSession = false
        /// `captureMethod`: `manual` holds the money for a later capture; `automatic` (default) captures at once.
        var manualCapture = false
        /// `description`: shown in the Stripe dashboard and on some statements.
        var description: String?
        /// More metadata for the intent (a direct request's own).
        var extraMetadata: [String: String] = [:]

        /// The keys read as options rather than sent as metadata.
        static let keys: Set<String> = ["stripeCustomer", "offSession", "captureMethod", "description"]

        init(_ values: [String: JSONValue]) throws {
            customer = values["stripeCustomer"]?.stringValue
            offSession = values["offSession"]?.boolValue ?? (values["offSession"]?.stringValue == "true")
            switch values["captureMethod"]?.stringValue ?? "automatic" {
            case "automatic": manualCapture = false
            case "manual": manualCapture = true
            default: throw BillingError(.invalidArgument, "captureMethod must be 'automatic' or 'manual'", field: "captureMethod")
            }
            description = values["description"]?.stringValue
        }
    }

    /// Stripe keeps an idempotency key 24 hours. An attempt older than this whose answer was never
    /// recorded is not repeated: after the key expired, a repeat could charge a second time.
    static let idempotencyWindow: Duration = .seconds(23 * 3600)

    /// `payment.initiated`: record the attempt, charge it, publish its outcome.
    func handleInitiated(_ context: BillingContext, runtime: Runtime) async throws -> PluginResult {
        let event = context.event
        let initiated = try event.decodePayload(as: PaymentInitiated.self)
        var options = try ChargeOptions(event.metadata)
        options.description = options.description ?? "Payment \(initiated.payment.id)"
        let attempt = StripeAttempt(
            attemptId: event.id.description, tenantId: event.tenantId, correlationId: event.correlationId, fromEvent: true,
            payment: initiated.payment, startedAt: runtime.config.wallClock.now()
        )
        let (recorded, intent, outcome) = try await charge(attempt, paymentMethod: initiated.paymentMethodId, options: options, runtime: runtime)
        return try pluginResult(try await announce(recorded, intent: intent, outcome: outcome, runtime: runtime))
    }

    /// Charges a payment directly (no event is published: the caller decides what to record).
    /// The attempt is keyed on `request.idempotencyKey`, so calling again with the same key
    /// never charges twice. `request.metadata` may carry `stripeCustomer`, `offSession` and `captureMethod`.
    public func processPayment(_ request: PaymentRequest) async throws -> PaymentResult {
        let runtime = try current()
        var options = try ChargeOptions(request.metadata.mapValues { .string($0) })
        options.description = request.description ?? options.description
        var payment = PaymentSnapshot(id: request.paymentId, userId: request.userId, invoiceId: request.invoiceId, amount: request.amount, status: "pending")
        payment.method = request.paymentMethodId
        let attempt = StripeAttempt(
            attemptId: "direct:\(request.tenantId ?? ""):\(request.idempotencyKey)", tenantId: request.tenantId, correlationId: nil, fromEvent: false, payment: payment,
            startedAt: runtime.config.wallClock.now()
        )
        // The request's own metadata goes to Stripe too (the plugin's keys win; its option keys stay here).
        options.extraMetadata = request.metadata.filter { !ChargeOptions.keys.contains($0.key) }
        let (recorded, intent, outcome) = try await charge(attempt, paymentMethod: request.paymentMethodId, options: options, runtime: runtime)
        return result(recorded, intent: intent, outcome: outcome)
    }

    /// Creates and confirms the PaymentIntent of `attempt`, once.
    ///
    /// The attempt is recorded before Stripe is called. If it was already recorded (a
    /// redelivery), the intent Stripe named is read back, or, when its answer never arrived,
    /// the same request is sent with the same idempotency key, so Stripe replays the charge
    /// it made instead of making another.
    /// - Returns: the attempt as recorded, the intent (a declined one too), and its outcome.
    func charge(
        _ new: StripeAttempt, paymentMethod: String?, options: ChargeOptions, runtime: Runtime
    ) async throws -> (StripeAttempt, StripePaymentIntent?, StripeOutcome) {
        let state = runtime.config.state
        let settings = try settings(runtime, tenantId: new.tenantId)
        let stripeAmount: (amount: Int64, currency: String)
        do {
            stripeAmount = try StripeAmount.encode(new.payment.amount)
        } catch let error as BillingError {
            return (new, nil, .failed(code: "amount_unsupported", message: error.message))  // nothing was sent
        }

        var attempt = new
        if let recorded = try await state.get(StripeAttempt.key(new.attemptId), as: StripeAttempt.self) {
            guard recorded.payment.id == new.payment.id, recorded.payment.amount == new.payment.amount, recorded.tenantId == new.tenantId else {
                throw BillingError(
                    .idempotencyConflict,
                    "The key of payment attempt '\(new.attemptId)' was used before for payment \(recorded.payment.id) of \(recorded.payment.amount); nothing was charged",
                    field: "idempotencyKey"
                )
            }
            attempt = recorded
            if let intentId = recorded.paymentIntentId {
                let intent = try await runtime.client.paymentIntent(intentId, settings: settings)
                return (attempt, intent, StripeOutcome(intent))
            }
            let age = Duration.between(recorded.startedAt, runtime.config.wallClock.now())
            guard age < Self.idempotencyWindow else {
                throw BillingError(
                    .stripeAttemptExpired,
                    "Payment \(recorded.payment.id) was sent to Stripe \(age.components.seconds / 3600) h ago and its answer was never recorded; Stripe no longer remembers the idempotency key, so it is not sent again. Find it in the Stripe dashboard by the metadata bilingus_attempt=\(recorded.attemptId)",
                    field: "paymentId"
                )
            }
        } else if try await state.claim(StripeAttempt.key(new.attemptId), try CanonicalJSON.value(from: new)) == nil {
            // Another delivery recorded it a moment ago; go on with its record and key.
            attempt = try await state.get(StripeAttempt.key(new.attemptId), as: StripeAttempt.self) ?? new
        }
        try await state.put(
            StripeAttempt.paymentKey(paymentId: attempt.payment.id, tenantId: attempt.tenantId),
            encoding: StripePaymentIndex(paymentId: attempt.payment.id, tenantId: attempt.tenantId, attemptId: attempt.attemptId)
        )

        let parameters = StripeClient.PaymentIntentParameters(
            amount: stripeAmount.amount, currency: stripeAmount.currency, customer: options.customer, paymentMethod: paymentMethod,
            offSession: options.offSession, manualCapture: options.manualCapture, description: options.description,
            metadata: options.extraMetadata.merging(metadata(attempt)) { _, ours in ours }
        )
        let intent: StripePaymentIntent?
        let outcome: StripeOutcome
        do {
            let created = try await runtime.client.createPaymentIntent(parameters, idempotencyKey: attempt.idempotencyKey("create"), settings: settings)
            intent = created.0
            outcome = StripeOutcome(created.0)
        } catch let error as BillingError {
            guard let stripe = error.underlying as? StripeError, stripe.kind == .card || stripe.kind == .invalidRequest else { throw error }
            // A decline or a refused request is the attempt's answer: Stripe saved it under the key.
            intent = stripe.paymentIntent
            if let declined = stripe.paymentIntent {
                outcome = StripeOutcome(declined)
            } else if stripe.code == PaymentRequiresAction.authenticationRequired || stripe.declineCode == PaymentRequiresAction.authenticationRequired {
                outcome = .requiresAction(reason: PaymentRequiresAction.authenticationRequired, nextActionType: nil)
            } else {
                outcome = .failed(code: stripe.declineCode ?? stripe.code ?? "invalid_request", message: stripe.message)
            }
        }
        if let intent {
            attempt.paymentIntentId = intent.id
            attempt.intentStatus = intent.status
            try await state.put(StripeAttempt.key(attempt.attemptId), encoding: attempt)
        }
        return (attempt, intent, outcome)
    }

    /// What the intent carries back to Bilingus: enough for a webhook to find the attempt.
    func metadata(_ attempt: StripeAttempt) -> [String: String] {
        var metadata = ["bilingus_attempt": attempt.attemptId, "bilingus_payment_id": attempt.payment.id]
        if let tenant = attempt.tenantId { metadata["bilingus_tenant"] = tenant }
        if let invoice = attempt.payment.invoiceId { metadata["bilingus_invoice_id"] = invoice }
        return metadata
    }
}

extension BillingError.Code {
    /// A payment attempt's answer from Stripe was never recorded and its idempotency key has
    /// expired, so it is not repeated; reconcile it by hand.
    public static let stripeAttemptExpired = BillingError.Code("stripe.attempt_expired")
}
