public import BillingCore

extension StripePaymentPlugin {
    /// The refund reasons Stripe takes.
    static let refundReasons: Set<String> = ["duplicate", "fraudulent", "requested_by_customer"]

    /// Refunds all that is left of a payment, or `request.amount`, and publishes `payment.refunded`.
    ///
    /// The payment is found by `request.paymentId` in `request.tenantId`. The refund's
    /// idempotency key is derived from the payment attempt and `request.idempotencyKey`, so
    /// a retried call never pays out twice; a new key makes a new refund.
    /// - Throws: `invalid.argument` for more than is left (checked before Stripe is called),
    ///   a non-positive amount or an unknown reason; `money.currency_mismatch`; `not_found`;
    ///   `stripe.*` from Stripe.
    public func refundPayment(_ request: RefundRequest) async throws -> RefundResult {
        let runtime = try current()
        let attempt = try await attempt(paymentId: request.paymentId, tenantId: request.tenantId, runtime: runtime)
        let settings = try settings(runtime, tenantId: attempt.tenantId)
        let intentId = try intentId(of: attempt)
        if let reason = request.reason, !Self.refundReasons.contains(reason) {
            throw BillingError(.invalidArgument, "A Stripe refund reason is one of \(Self.refundReasons.sorted().joined(separator: ", "))", field: "reason")
        }
        if let amount = request.amount { try check(amount, against: attempt.payment.amount, what: "refund") }

        // A refund already sent under this key is sent again as it was (Stripe replays it);
        // only a new one is checked against what is left, which the first one lowered.
        let claimKey = "refund:\(attempt.attemptId):\(request.idempotencyKey)"
        let isNew = try await runtime.config.state.claim(claimKey, ["amount": request.amount.map { .int($0.minorUnits) } ?? .null]) != nil
        if isNew {
            do {
                try await checkRefundable(request, intentId: intentId, settings: settings, runtime: runtime)
            } catch {
                // Nothing was sent: the key is free again, and a retry is checked again.
                _ = try? await runtime.config.state.delete(claimKey)
                throw error
            }
        }
        let refund = try await runtime.client.createRefund(
            paymentIntent: intentId, amount: try request.amount.map { try StripeAmount.encode($0).amount }, reason: request.reason,
            metadata: metadata(attempt), idempotencyKey: attempt.idempotencyKey("refund:\(request.idempotencyKey)"), settings: settings
        )
        let intent = try await runtime.client.paymentIntent(intentId, settings: settings)
        return try await announceRefund(refund, attempt: attempt, intent: intent, runtime: runtime).result
    }

    /// Refuses a refund above what is left of the payment, before Stripe is asked.
    private func checkRefundable(_ request: RefundRequest, intentId: String, settings: StripeSettings, runtime: Runtime) async throws {
        let intent = try await runtime.client.paymentIntent(intentId, settings: settings)
        guard intent.status == "succeeded" else {
            throw BillingError(.invalidArgument, "Payment \(request.paymentId) is \(intent.status) at Stripe; only a captured payment can be refunded", field: "paymentId")
        }
        let left = intent.amountReceived - (intent.amountRefunded ?? 0)
        let wanted = try request.amount.map { try StripeAmount.encode($0).amount } ?? left
        guard left > 0 else {
            throw BillingError(.invalidArgument, "Payment \(request.paymentId) is already refunded in full", field: "amount")
        }
        guard wanted <= left else {
            let leftMoney = try StripeAmount.decode(left, currency: intent.currency)
            throw BillingError(
                .invalidArgument, "Cannot refund \(request.amount.map(String.init(describing:)) ?? "") of payment \(request.paymentId): only \(leftMoney) is left", field: "amount"
            )
        }
    }

    /// Publishes `payment.refunded` for a refund Stripe made (once per refund id, whichever
    /// path, a call or the `charge.refunded` webhook, sees it first).
    func announceRefund(
        _ refund: StripeRefund, attempt: StripeAttempt, intent: StripePaymentIntent, runtime: Runtime
    ) async throws -> (result: RefundResult, eventId: EventID?) {
        var payment = try snapshot(attempt, intent: intent, outcome: .completed)
        let status = StripeOutcome.paymentStatus(of: intent)
        payment.status = status.rawValue
        let amount = try refund.amountMoney()
        let succeeded = refund.status == nil || refund.status == "succeeded" || refund.status == "pending"
        var eventId: EventID?
        if succeeded {
            let event = try BillingEvent(
                PaymentRefunded(payment: payment, refundId: refund.id, refundedAmount: amount, reason: refund.reason),
                timestamp: runtime.config.wallClock.now(), tenantId: attempt.tenantId, idempotencyKey: "\(Self.name):refund:\(refund.id)",
                correlationId: attempt.correlationId, causationId: attempt.fromEvent ? EventID(attempt.attemptId) : nil
            )
            eventId = try await runtime.config.publishOnce(event).id
        }
        let result = RefundResult(
            success: succeeded, refundId: refund.id, amount: amount, status: status,
            failureMessage: succeeded ? nil : "Stripe reports the refund as \(refund.status ?? "unknown")"
        )
        return (result, eventId)
    }
}
