extension PaymentPlugin {
    /// Handles `payment.initiated` the standard way: ``processPayment(_:)``, then publish
    /// `payment.completed` or `payment.failed`.
    ///
    /// Safe under redelivery: the charge carries an idempotency key derived from the
    /// event id, and the outcome event's idempotency key is derived from it too, so a
    /// second delivery neither charges nor publishes twice. The outcome event is
    /// caused by (`causationId`) and correlated with the initiating event.
    ///
    /// - Returns: `.success` with the `PaymentResult` as data; `.stop` with the decline's
    ///   message and the result as data for a decline (the payment flow ends there).
    public func handlePaymentInitiated(_ context: BillingContext, publisher: any EventPublisher) async throws -> PluginResult {
        let event = context.event
        guard event.type == .paymentInitiated else {
            return .success()
        }
        let initiated = try event.decodePayload(as: PaymentInitiated.self)
        let result = try await processPayment(PaymentRequest(initiated, event: event))
        var payment = initiated.payment
        payment.status = result.status.rawValue
        payment.provider = payment.provider ?? name
        payment.providerReference = result.providerReference ?? payment.providerReference
        let outcome: BillingEvent
        if result.success {
            outcome = try BillingEvent(
                PaymentCompleted(payment: payment), tenantId: event.tenantId,
                idempotencyKey: "\(name):\(event.id):outcome", correlationId: event.correlationId, causationId: event.id
            )
        } else {
            outcome = try BillingEvent(
                PaymentFailed(payment: payment, failureCode: result.failureCode, failureMessage: result.failureMessage ?? "The payment was declined"),
                tenantId: event.tenantId, idempotencyKey: "\(name):\(event.id):outcome", correlationId: event.correlationId,
                causationId: event.id
            )
        }
        try await publisher.publish(outcome)
        let data = try CanonicalJSON.value(from: result)
        if result.success {
            return .success(data)
        }
        return .stop(reason: result.failureMessage ?? "The payment was declined", data: data)
    }
}
