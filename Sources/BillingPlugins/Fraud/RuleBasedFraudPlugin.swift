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
/// try await engine.plugins.loadPlugin(RuleBasedFraudPlugin.name, settings: [
///     "blockAbove": ["5000.00 USD"], "reviewAbove": ["1000.00 USD"],
///     "maxPaymentsPerUser": 5, "velocityWindowSeconds": 3600,
///     "blockedCountries": ["KP"], "blockedEmailDomains": ["mailinator.com"],
/// ])
/// ```
///
/// A `payment.initiated` event's metadata may carry `country`, `ipAddress` and
/// `cardFingerprint` (strings); the country falls back to the user's.
public final class RuleBasedFraudPlugin: FraudPlugin {
    public static let name = "fraud-rules"
    public let version = "1.0.0"
    public let description = "Rule-based fraud screening: thresholds, velocity, block lists, scores with reasons"
    public let author = "Bilingus"

    private struct Setup: Sendable {
        let rules: FraudRules
        let publisher: any EventPublisher
        let events: any EventReader
        let wallClock: WallClock
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

    private let setup = Locked<Setup?>(nil)
    private let reported = Locked(Reported())

    /// Creates the plugin; its rules come from its settings at `initialize`.
    public init() {}

    public func initialize(_ config: PluginConfig) async throws {
        let rules = try FraudRules(settings: config.settings)
        var loaded = Reported()
        for try await event in config.events.stream(EventFilters(types: [FraudReported.eventType])) {
            let report = try event.decodePayload(as: FraudReported.self)
            if let user = report.userId { loaded.users.insert(TenantScoped(tenantId: event.tenantId, id: user)) }
            if let card = report.cardFingerprint { loaded.cards.insert(card) }
        }
        reported.withLock { $0 = loaded }
        setup.withLock {
            $0 = Setup(rules: rules, publisher: config.publisher, events: config.events, wallClock: config.wallClock, logger: config.logger)
        }
    }

    public func execute(_ context: BillingContext) async throws -> PluginResult {
        guard context.eventType == .paymentInitiated else { return .success() }
        guard setup.withLock({ $0 }) != nil else { return .failure(message: "The fraud plugin is not initialized") }
        let initiated = try context.decodePayload(as: PaymentInitiated.self)
        let metadata = context.event.metadata
        let payment = initiated.payment
        let request = FraudCheckRequest(
            transaction: TransactionSnapshot(
                id: payment.id, userId: payment.userId, kind: "payment", amount: payment.amount, status: payment.status,
                createdAt: payment.createdAt
            ),
            user: context.user,
            tenantId: context.tenantId,
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
            return .stop(reason: "Blocked by \(name): " + result.reasons.joined(separator: "; "), data: data)
        }
        return .success(data)
    }

    public func checkTransaction(_ request: FraudCheckRequest) async throws -> FraudResult {
        try await assess(request).result
    }

    /// Blocks the user and card of a fraudulent transaction from now on, in every
    /// process on the same store: publishes ``FraudReported`` (once per transaction).
    ///
    /// The transaction is looked up in every tenant; when two tenants have a transaction
    /// with this id, use ``reportFraud(transactionId:reason:tenantId:)``.
    /// - Throws: `not_found` when the store has no event about `transactionId`;
    ///   `invalid.argument` when several tenants have one.
    public func reportFraud(transactionId: String, reason: String) async throws {
        try await report(transactionId: transactionId, reason: reason, tenant: .any)
    }

    /// Reports a transaction of one tenant (`nil`: of the events without a tenant).
    public func reportFraud(transactionId: String, reason: String, tenantId: String?) async throws {
        try await report(transactionId: transactionId, reason: reason, tenant: TenantScope(tenantId))
    }

    private func report(transactionId: String, reason: String, tenant: TenantScope) async throws {
        let setup = try requireSetup()
        let events = try await setup.events.events(forEntity: transactionId, tenant: tenant, limit: 100)
        guard let first = events.first else {
            throw BillingError(.notFound, "No event about transaction '\(transactionId)' is stored for \(tenant)", field: "transactionId")
        }
        guard events.allSatisfy({ $0.tenantId == first.tenantId }) else {
            throw BillingError.invalid("tenantId", "Several tenants have a transaction '\(transactionId)'; say which tenant's to report")
        }
        let userId = events.lazy.compactMap(\.userId).first
        let card = events.lazy.compactMap { $0.metadata["cardFingerprint"]?.stringValue }.first
        // Reported once per transaction: a second report (another reason, say) changes nothing.
        let key = "fraud.reported:\(transactionId)"
        if try await setup.events.event(tenantId: first.tenantId, idempotencyKey: key) == nil {
            do {
                try await setup.publisher.publish(
                    FraudReported(transactionId: transactionId, reason: reason, userId: userId, cardFingerprint: card),
                    tenantId: first.tenantId, idempotencyKey: key, causationId: first.id
                )
            } catch let error as BillingError where error.code == .idempotencyConflict {
                // A concurrent report with another reason won the race: reported either way.
            }
        }
        reported.withLock { reported in
            if let userId { reported.users.insert(TenantScoped(tenantId: first.tenantId, id: userId)) }
            if let card { reported.cards.insert(card) }
        }
        setup.logger.notice("Transaction reported as fraud", metadata: ["billing.fraud.transaction": "\(transactionId)"])
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
        let since = setup.wallClock.now().adding(.zero - rules.velocityWindow)
        let velocity = PaymentVelocity(events: setup.events)
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
                    "billing.fraud.transaction": "\(transaction.id)", "billing.fraud.decision": "\(verdict.result.decision.rawValue)",
                    "billing.fraud.score": "\(verdict.result.score)", "billing.fraud.rules": "\(verdict.hits.map(\.rule).joined(separator: ","))",
                ]
            )
        }
        return verdict
    }

    private func requireSetup() throws -> Setup {
        guard let setup = setup.withLock({ $0 }) else {
            throw BillingError(.pluginFailure, "The fraud plugin '\(name)' is not initialized")
        }
        return setup
    }

}
