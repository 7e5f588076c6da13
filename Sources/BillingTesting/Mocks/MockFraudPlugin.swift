public import BillingCore

/// A scriptable `FraudPlugin`. By default it allows everything with score 0.
/// Its `execute` checks the `transaction` in a pipeline context's payload and stops
/// the pipeline on a `block`.
public final class MockFraudPlugin: FraudPlugin {
    public static let name = "mock-fraud"
    public let version = "1.0.0-mock"
    public let description = "Scriptable fraud plugin for tests"
    public let author = "BillingTesting"

    /// Lifecycle scripting and the config it received.
    public let lifecycle = MockLifecycle()
    /// `checkTransaction`: allow by default.
    public let check = MockScript<FraudCheckRequest, FraudResult>(default: .value(FraudResult(decision: .allow, score: 0)))
    /// `reportFraud` calls: `(transactionId, reason)`.
    public let reports = MockScript<[String], Void>(default: .value(()))

    /// Creates the mock.
    public init() {}

    public func initialize(_ config: PluginConfig) async throws { try await lifecycle.didInitialize(config) }
    public func shutdown() async throws { lifecycle.didShutdown() }
    public func healthCheck() async -> PluginHealth { lifecycle.health }

    /// Screens a payload with a `transaction`, and a `payment.initiated` (as a payment
    /// check), through ``check``; other contexts go to `lifecycle.execute`.
    public func execute(_ context: BillingContext) async throws -> PluginResult {
        let transaction: TransactionSnapshot
        if let scripted = context.payload["transaction"] {
            transaction = try CanonicalJSON.decode(TransactionSnapshot.self, from: scripted)
        } else if context.eventType == .paymentInitiated {
            let payment = try context.decodePayload(as: PaymentInitiated.self).payment
            transaction = TransactionSnapshot(
                id: payment.id, userId: payment.userId, kind: "payment", amount: payment.amount, status: payment.status, createdAt: payment.createdAt
            )
        } else {
            return try await lifecycle.execute.respond(to: context)
        }
        let request = FraudCheckRequest(transaction: transaction, user: context.user, tenantId: context.tenantId)
        let verdict = try await checkTransaction(request)
        let data = try CanonicalJSON.value(from: verdict)
        return verdict.shouldBlock ? .stop(reason: "blocked: " + verdict.reasons.joined(separator: "; "), data: data) : .success(data)
    }

    public func checkTransaction(_ request: FraudCheckRequest) async throws -> FraudResult {
        try await check.respond(to: request)
    }

    public func reportFraud(transactionId: String, reason: String) async throws {
        try await reports.respond(to: [transactionId, reason])
    }
}
