public import BillingCore

extension BillingEngine {
    /// The code of the `payment.failed` that records a payment a check blocked.
    public static let blockedFailureCode = "blocked"

    /// Initiates a payment after the payment checks — the specification's fraud → tax → payment
    /// pipeline, with the payment step made durable.
    ///
    /// 1. If a payment was already initiated or blocked under `idempotencyKey` (in the
    ///    tenant), the stored event comes back (`replayed`) and no check runs again.
    /// 2. The checks (`checks`, by default ``Configuration/paymentChecks``) run in order,
    ///    isolated, on the `payment.initiated` event about to be stored; each sees the
    ///    earlier results.
    /// 3. If all pass, `payment.initiated` is stored, with the checks' names under the
    ///    metadata key `checks`; the payment plugin charges it through its durable
    ///    subscription, so a crash from here on loses nothing. If a check stops it
    ///    (`PluginResult.stop`, such as a fraud block),
    ///    a `payment.failed` with code ``blockedFailureCode`` and the check's reasons is
    ///    stored instead, and nothing is charged.
    ///
    /// - Parameters:
    ///   - payment: the payment to make; its id is the entity of the stored events.
    ///   - paymentMethodId: the provider's payment method to charge.
    ///   - user: the payer, for the checks (email domain, country).
    ///   - tenantId: the tenant; idempotency keys are unique per tenant.
    ///   - metadata: stored with the event; checks read `country`, `region`,
    ///     `ipAddress` and `cardFingerprint` from it.
    ///   - idempotencyKey: makes the call safe to repeat: the second time, the stored outcome comes back.
    ///   - checks: the check plugins to run, in order; ``Configuration/paymentChecks`` by default.
    /// - Throws: `plugin.failure` when a check fails (it throws, times out, is
    ///   quarantined, or returns a failed result): nothing is stored, so the call can
    ///   simply be retried;
    ///   `not_found` when a check is not loaded;
    ///   validation and storage errors as `EventBus.publish(_:)` throws them.
    public func initiatePayment(
        _ payment: PaymentSnapshot,
        paymentMethodId: String? = nil,
        user: UserSnapshot? = nil,
        tenantId: String? = nil,
        metadata: [String: JSONValue] = [:],
        idempotencyKey: String,
        checks: [String]? = nil
    ) async throws -> PaymentInitiation {
        let blockedKey = idempotencyKey + ":blocked"
        if let stored = try await storage.event(tenantId: tenantId, idempotencyKey: idempotencyKey) {
            return PaymentInitiation(outcome: .initiated, event: stored, checks: nil, blockedBy: nil, reason: nil, replayed: true)
        }
        if let stored = try await storage.event(tenantId: tenantId, idempotencyKey: blockedKey) {
            let failure = try? stored.decodePayload(as: PaymentFailed.self)
            return PaymentInitiation(
                outcome: .blocked, event: stored, checks: nil, blockedBy: stored.metadata["blockedBy"]?.stringValue,
                reason: failure?.failureMessage, replayed: true
            )
        }

        let names = checks ?? configuration.paymentChecks
        var initiatedMetadata = metadata
        if !names.isEmpty {
            initiatedMetadata["checks"] = .array(names.map { .string($0) })
        }
        let initiated = try BillingEvent(
            PaymentInitiated(payment: payment, paymentMethodId: paymentMethodId), timestamp: events.wallClock.now(),
            tenantId: tenantId, metadata: initiatedMetadata, idempotencyKey: idempotencyKey
        )
        let pipeline = try await plugins.runPipeline(names, context: BillingContext(event: initiated, user: user))
        if let stage = pipeline.stages.first(where: { !$0.result.success }) {
            throw BillingError(
                .pluginFailure,
                "The payment check '\(stage.plugin)' failed, so the payment was not initiated: \(stage.result.error ?? "no reason given")",
                field: "checks"
            )
        }

        if let blocker = pipeline.stoppedAt {
            let reason = pipeline.stages.last?.result.error ?? "Blocked by \(blocker)"
            var failed = payment
            failed.status = "failed"
            var blockMetadata = metadata
            blockMetadata["blockedBy"] = .string(blocker)
            let stored = try await events.publish(
                PaymentFailed(payment: failed, failureCode: Self.blockedFailureCode, failureMessage: reason), tenantId: tenantId,
                metadata: blockMetadata, idempotencyKey: blockedKey
            )
            return PaymentInitiation(outcome: .blocked, event: stored.event, checks: pipeline, blockedBy: blocker, reason: reason, replayed: stored.isDuplicate)
        }

        let stored = try await events.publish(initiated)
        return PaymentInitiation(outcome: .initiated, event: stored.event, checks: pipeline, blockedBy: nil, reason: nil, replayed: stored.isDuplicate)
    }
}
