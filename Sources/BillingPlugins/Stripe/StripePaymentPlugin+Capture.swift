public import BillingCore

extension StripePaymentPlugin {
    /// Why a PaymentIntent is cancelled (Stripe's `cancellation_reason`).
    public enum CancellationReason: String, Sendable, CaseIterable {
        case duplicate
        case fraudulent
        case requestedByCustomer = "requested_by_customer"
        case abandoned
    }

    /// Captures a payment authorised with `captureMethod: manual`: all of it, or `amount`
    /// (the rest is released). Publishes `payment.completed` with the captured amount.
    ///
    /// Safe to call again: the capture's idempotency key is derived from the payment attempt.
    /// - Throws: `not_found` for a payment the plugin never charged; `invalid.argument` for an
    ///   amount in another currency, not positive, or above what is authorised; `stripe.*` from Stripe
    ///   (`stripe.invalid_request` with code `payment_intent_unexpected_state` when it is not authorised).
    public func capture(paymentId: String, tenantId: String? = nil, amount: Money? = nil) async throws -> PaymentResult {
        let runtime = try current()
        let attempt = try await attempt(paymentId: paymentId, tenantId: tenantId, runtime: runtime)
        let settings = try settings(runtime, tenantId: attempt.tenantId)
        let intentId = try intentId(of: attempt)
        var stripeAmount: Int64?
        if let amount {
            try check(amount, against: attempt.payment.amount, what: "capture")
            stripeAmount = try StripeAmount.encode(amount).amount
            let intent = try await runtime.client.paymentIntent(intentId, settings: settings)
            if intent.status == "requires_capture", let wanted = stripeAmount, wanted > intent.amountCapturable {
                throw BillingError(
                    .invalidArgument, "Cannot capture \(amount) of payment \(paymentId): only \(try intent.amountCapturableMoney()) is authorised",
                    field: "amount"
                )
            }
        }
        let intent = try await runtime.client.capturePaymentIntent(
            intentId, amount: stripeAmount, idempotencyKey: attempt.idempotencyKey("capture"), settings: settings
        )
        return try await announce(attempt, intent: intent, outcome: StripeOutcome(intent), runtime: runtime)
    }

    /// Cancels a payment that is not captured (authorised, needing action, or awaiting a
    /// method), releasing any held money. Publishes `payment.cancelled`.
    /// - Throws: `not_found` for an unknown payment; `stripe.invalid_request` (code
    ///   `payment_intent_unexpected_state`) for one already captured or cancelled.
    public func cancel(paymentId: String, tenantId: String? = nil, reason: CancellationReason = .requestedByCustomer) async throws -> PaymentResult {
        let runtime = try current()
        let attempt = try await attempt(paymentId: paymentId, tenantId: tenantId, runtime: runtime)
        let intent = try await runtime.client.cancelPaymentIntent(
            try intentId(of: attempt), reason: reason.rawValue, idempotencyKey: attempt.idempotencyKey("cancel"),
            settings: try settings(runtime, tenantId: attempt.tenantId)
        )
        return try await announce(attempt, intent: intent, outcome: StripeOutcome(intent), runtime: runtime)
    }

    /// Where a payment stands at Stripe now (the PaymentIntent is read, not a cached status).
    /// - Throws: `not_found` when the plugin never charged `paymentId`; `invalid.argument`
    ///   when several tenants have a payment of that id (use ``paymentStatus(paymentId:tenantId:)``).
    public func getPaymentStatus(_ paymentId: String) async throws -> PaymentStatus {
        let runtime = try current()
        let entries = try await runtime.config.state.list(prefix: "payment:\(paymentId):", limit: 100)
            .compactMap { try? CanonicalJSON.decode(StripePaymentIndex.self, from: $0.value) }
            .filter { $0.paymentId == paymentId }
        guard let only = entries.first else {
            throw BillingError(.notFound, "The Stripe plugin has no payment '\(paymentId)'", field: "paymentId")
        }
        guard entries.count == 1 else {
            throw BillingError(.invalidArgument, "Several tenants have a payment '\(paymentId)'; ask with its tenant", field: "paymentId")
        }
        return try await paymentStatus(paymentId: paymentId, tenantId: only.tenantId)
    }

    /// Where a tenant's payment stands at Stripe now.
    public func paymentStatus(paymentId: String, tenantId: String?) async throws -> PaymentStatus {
        StripeOutcome.paymentStatus(of: try await paymentIntent(paymentId: paymentId, tenantId: tenantId))
    }

    /// The payment's PaymentIntent as Stripe has it now, with its client secret for a 3-D Secure step.
    public func paymentIntent(paymentId: String, tenantId: String?) async throws -> StripePaymentIntent {
        let runtime = try current()
        let attempt = try await attempt(paymentId: paymentId, tenantId: tenantId, runtime: runtime)
        return try await runtime.client.paymentIntent(try intentId(of: attempt), settings: try settings(runtime, tenantId: attempt.tenantId))
    }

    /// The latest attempt for a payment of a tenant.
    func attempt(paymentId: String, tenantId: String?, runtime: Runtime) async throws -> StripeAttempt {
        let state = runtime.config.state
        guard let index = try await state.get(StripeAttempt.paymentKey(paymentId: paymentId, tenantId: tenantId), as: StripePaymentIndex.self),
            let attempt = try await state.get(StripeAttempt.key(index.attemptId), as: StripeAttempt.self)
        else {
            throw BillingError(.notFound, "The Stripe plugin has no payment '\(paymentId)'\(tenantId.map { " in tenant '\($0)'" } ?? "")", field: "paymentId")
        }
        return attempt
    }

    func intentId(of attempt: StripeAttempt) throws -> String {
        guard let id = attempt.paymentIntentId else {
            throw BillingError(.notFound, "Payment '\(attempt.payment.id)' has no Stripe PaymentIntent yet (its charge has no recorded answer)", field: "paymentId")
        }
        return id
    }

    /// An amount for a capture or refund: positive, in the payment's currency.
    func check(_ amount: Money, against paid: Money, what: String) throws {
        guard amount.currency == paid.currency else {
            throw BillingError(.currencyMismatch, "Cannot \(what) \(amount) of a payment in \(paid.currency)", field: "amount")
        }
        guard amount.minorUnits > 0 else {
            throw BillingError(.invalidArgument, "The amount to \(what) must be positive", field: "amount")
        }
    }
}
