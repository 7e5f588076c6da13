public import BillingCore
import Foundation
import Logging
import Synchronization

/// A reference fraud plugin: amount thresholds, velocity per user and per tenant,
/// block lists, and a score with reasons.
///
/// In a pipeline (fraud → tax → payment) it receives the `payment.initiated` context
/// and stops the pipeline when it blocks (`shouldContinue == false`, the reasons in
/// `error` and the verdict in `data`). Velocity is counted from the event store and
/// reported fraud is published as ``FraudReported`` and read back at start, so the
/// plugin keeps no state of its own that a restart could lose.
///
/// ```swift
/// try await engine.plugins.loadPlugin("fraud-rules", settings: [
///     "blockAbove": ["5000.00 USD"], "reviewAbove": ["1000.00 USD"],
///     "maxPaymentsPerUser": 5, "velocityWindowSeconds": 3600,
///     "blockedCountries": ["KP"], "blockedEmailDomains": ["mailinator.com"],
/// ])
/// ```
///
/// A `payment.initiated` event's metadata may carry `country`, `ipAddress` and
/// `cardFingerprint` (strings); the country falls back to the user's.
public final class RuleBasedFraudPlugin: FraudPlugin {
    public let name: String
    public let version = "1.0.0"
    public let description = "Rule-based fraud screening: thresholds, velocity, block lists, scores with reasons"
    public let author = "Bilingus"

    private struct Setup: Sendable {
        let rules: FraudRules
        let bus: EventBus
        let store: any EventStore
        let clock: any BillingClock
        let logger: Logger
    }

    private struct Reported: Sendable {
        var users: Set<TenantScoped> = []
        var cards: Set<String> = []
    }

    /// A user id within its tenant: reports in one tenant do not block another tenant's user of the same id.
    private struct TenantScoped: Hashable, Sendable {
        let tenantId: String?
        let id: String
    }

    private let setup = Mutex<Setup?>(nil)
    private let reported = Mutex(Reported())

    /// Creates the plugin; `name` is also the name of its durable subscription.
    public init(name: String = "fraud-rules") {
        self.name = name
    }

    public func initialize(_ config: PluginConfig) async throws {
        let rules = try FraudRules(settings: config.settings)
        var loaded = Reported()
        for try await event in config.storage.stream(EventFilters(types: [FraudReported.eventType])) {
            let report = try event.decodePayload(as: FraudReported.self)
            if let user = report.userId { loaded.users.insert(TenantScoped(tenantId: event.tenantId, id: user)) }
            if let card = report.cardFingerprint { loaded.cards.insert(card) }
        }
        reported.withLock { $0 = loaded }
        setup.withLock {
            $0 = Setup(rules: rules, bus: config.bus, store: config.storage, clock: config.clock, logger: config.logger)
        }
    }

    public func execute(_ context: BillingContext) async throws -> PluginResult {
        guard context.eventType == .paymentInitiated else { return .success() }
        guard setup.withLock({ $0 }) != nil else { return .failure("The fraud plugin is not initialized") }
        let initiated = try context.decodePayload(as: PaymentInitiated.self)
        let metadata = context.event?.metadata ?? [:]
        let payment = initiated.payment
        let request = FraudCheckRequest(
            transaction: TransactionSnapshot(
                id: payment.id, userId: payment.userId, kind: "payment", amount: payment.amount, status: payment.status,
                createdAt: payment.createdAt
            ),
            user: context.user,
            tenantId: context.tenant ?? context.event?.tenantId,
            country: metadata["country"]?.stringValue ?? context.user?.country,
            ipAddress: metadata["ipAddress"]?.stringValue,
            cardFingerprint: metadata["cardFingerprint"]?.stringValue
        )
        let (result, hits) = try await assess(request)
        let data: JSONValue = [
            "decision": .string(result.decision.rawValue), "score": .int(Int64(result.score)),
            "reasons": .array(result.reasons.map { .string($0) }), "rules": .array(hits.map { .string($0.rule) }),
        ]
        if result.shouldBlock {
            return .stop("Blocked by \(name): " + result.reasons.joined(separator: "; "), data: data)
        }
        return .success(data)
    }

    public func checkTransaction(_ request: FraudCheckRequest) async throws -> FraudResult {
        try await assess(request).result
    }

    /// Blocks the user and card of a fraudulent transaction from now on, in every
    /// process on the same store: publishes ``FraudReported`` (once per transaction).
    /// - Throws: `not_found` when the store has no event about `transactionId`.
    public func reportFraud(transactionId: String, reason: String) async throws {
        let setup = try requireSetup()
        let events = try await setup.store.getEventsByEntity(transactionId, limit: 100)
        guard let first = events.first else {
            throw BillingError(.notFound, "No event about transaction '\(transactionId)' is stored", field: "transactionId")
        }
        let userId = events.lazy.compactMap(\.userId).first
        let card = events.lazy.compactMap { $0.metadata["cardFingerprint"]?.stringValue }.first
        try await setup.bus.publish(
            FraudReported(transactionId: transactionId, reason: reason, userId: userId, cardFingerprint: card),
            tenantId: first.tenantId, idempotencyKey: "fraud.reported:\(transactionId)", causationId: first.id
        )
        reported.withLock { reported in
            if let userId { reported.users.insert(TenantScoped(tenantId: first.tenantId, id: userId)) }
            if let card { reported.cards.insert(card) }
        }
        setup.logger.notice("Transaction reported as fraud", metadata: ["transaction": "\(transactionId)"])
    }

    public func shutdown() async throws {
        setup.withLock { $0 = nil }
    }

    public func healthCheck() async -> PluginHealth {
        setup.withLock { $0 } == nil ? .unhealthy("not initialized") : .healthy
    }

    // MARK: - Scoring

    private func assess(_ request: FraudCheckRequest) async throws -> (result: FraudResult, hits: [FraudRuleHit]) {
        let setup = try requireSetup()
        let rules = setup.rules
        let since = setup.clock.now().addingTimeInterval(-rules.velocityWindow.timeInterval)
        let velocity = PaymentVelocity(store: setup.store)
        let transaction = request.transaction
        var observations = reported.withLock { reported in
            FraudRules.Observations(
                userReported: reported.users.contains(TenantScoped(tenantId: request.tenantId, id: transaction.userId)),
                cardReported: request.cardFingerprint.map { reported.cards.contains($0) } ?? false
            )
        }
        if let limit = rules.maxPaymentsPerUser {
            observations.userPayments = try await velocity.earlierPayments(
                userId: transaction.userId, tenantId: request.tenantId, excluding: transaction.id, since: since, limit: limit
            )
        }
        if let limit = rules.maxPaymentsPerTenant, let tenant = request.tenantId {
            observations.tenantPayments = try await velocity.earlierPayments(
                userId: nil, tenantId: tenant, excluding: transaction.id, since: since, limit: limit
            )
        }
        let verdict = rules.evaluate(request, observations: observations)
        if verdict.result.decision != .allow {
            setup.logger.info(
                "Fraud rules fired",
                metadata: [
                    "transaction": "\(transaction.id)", "decision": "\(verdict.result.decision.rawValue)",
                    "score": "\(verdict.result.score)", "rules": "\(verdict.hits.map(\.rule).joined(separator: ","))",
                ]
            )
        }
        return verdict
    }

    private func requireSetup() throws -> Setup {
        guard let setup = setup.withLock({ $0 }) else {
            throw BillingError(.unsupported, "The fraud plugin '\(name)' is not initialized")
        }
        return setup
    }

}
