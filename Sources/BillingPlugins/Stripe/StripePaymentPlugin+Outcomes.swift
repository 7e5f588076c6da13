import BillingCore

extension StripePaymentPlugin {
    /// The Stripe name the events give as the payment's provider.
    static let providerName = "stripe"

    /// The payment as it stands after `intent`.
    func snapshot(_ attempt: StripeAttempt, intent: StripePaymentIntent?, outcome: StripeOutcome) throws -> PaymentSnapshot {
        var payment = attempt.payment
        payment.provider = Self.providerName
        payment.providerReference = intent?.id ?? payment.providerReference
        if let intent { payment.status = StripeOutcome.paymentStatus(of: intent).rawValue } else if case .failed = outcome { payment.status = PaymentStatus.failed.rawValue }
        // An outcome's event says the same whenever it is built: later refunds do not change what "completed" said.
        if case .completed = outcome { payment.status = PaymentStatus.succeeded.rawValue }
        if case .completed = outcome, let intent {
            payment.amount = try intent.amountReceivedMoney()  // a partial capture settles less than was asked
        }
        return payment
    }

    /// The event announcing `outcome` for `attempt`, or `nil` when there is nothing to announce
    /// (still processing). Its idempotency key depends only on the attempt and the outcome.
    func outcomeEvent(_ attempt: StripeAttempt, intent: StripePaymentIntent?, outcome: StripeOutcome, runtime: Runtime) throws -> BillingEvent? {
        guard let name = outcome.eventName else { return nil }
        let payment = try snapshot(attempt, intent: intent, outcome: outcome)
        let key = attempt.eventKey(name)
        let causation = attempt.fromEvent ? EventID(attempt.attemptId) : nil
        let now = runtime.config.wallClock.now()
        func event(_ payload: some BillingEventPayload) throws -> BillingEvent {
            try BillingEvent(
                payload, timestamp: now, tenantId: attempt.tenantId, idempotencyKey: key, correlationId: attempt.correlationId,
                causationId: causation
            )
        }
        switch outcome {
        case .completed:
            return try event(PaymentCompleted(payment: payment))
        case .failed(let code, let message):
            return try event(PaymentFailed(payment: payment, failureCode: code, failureMessage: message))
        case .requiresAction(let reason, let nextAction):
            return try event(PaymentRequiresAction(payment: payment, reason: reason, nextActionType: nextAction))
        case .authorized:
            let capturable = try intent.map { try $0.amountCapturableMoney() } ?? payment.amount
            return try event(PaymentAuthorized(payment: payment, amountCapturable: capturable))
        case .cancelled(let reason):
            return try event(PaymentCancelled(payment: payment, reason: reason))
        case .pending:
            return nil
        }
    }

    /// Publishes the outcome's event (once: a second publish finds it stored) and says what happened.
    @discardableResult
    func announce(_ attempt: StripeAttempt, intent: StripePaymentIntent?, outcome: StripeOutcome, runtime: Runtime) async throws -> PaymentResult {
        if let event = try outcomeEvent(attempt, intent: intent, outcome: outcome, runtime: runtime) {
            _ = try await runtime.config.publishOnce(event)
        }
        return result(attempt, intent: intent, outcome: outcome)
    }

    /// The ``PaymentResult`` for an outcome.
    func result(_ attempt: StripeAttempt, intent: StripePaymentIntent?, outcome: StripeOutcome) -> PaymentResult {
        let status = intent.map(StripeOutcome.paymentStatus(of:)) ?? .failed
        switch outcome {
        case .completed, .authorized, .pending:
            return PaymentResult(success: true, paymentId: attempt.payment.id, providerReference: intent?.id, status: status)
        case .failed(let code, let message):
            return PaymentResult(success: false, paymentId: attempt.payment.id, providerReference: intent?.id, status: .failed, failureCode: code, failureMessage: message)
        case .requiresAction(let reason, _):
            return PaymentResult(
                success: false, paymentId: attempt.payment.id, providerReference: intent?.id, status: .requiresAction, failureCode: reason,
                failureMessage: reason == PaymentRequiresAction.authenticationRequired
                    ? "The bank asks the customer to authenticate; ask them to pay while present" : "The customer must complete a 3-D Secure step"
            )
        case .cancelled(let reason):
            return PaymentResult(
                success: false, paymentId: attempt.payment.id, providerReference: intent?.id, status: .cancelled, failureCode: reason,
                failureMessage: "The payment was cancelled"
            )
        }
    }

    /// The plugin result for a delivery: a success goes on; a decline, a needed action or a cancel stops the flow.
    func pluginResult(_ result: PaymentResult) throws -> PluginResult {
        let data = try CanonicalJSON.value(from: result)
        return result.success ? .success(data) : .stop(reason: result.failureMessage ?? "The payment did not complete", data: data)
    }
}
