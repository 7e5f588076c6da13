import BillingCore
import BillingTesting
import Synchronization
import Testing

// MARK: - Sample: an amount-limit FraudPlugin (Documentation/PluginGuide.md, "FraudPlugin")

final class AmountLimitFraudPlugin: FraudPlugin {
    static let name = "amount-limit"
    let version = "1.0.0"
    let description = "Blocks payments above a limit and flags those above half of it"
    let author = "Acme Corp"

    private struct State {
        var limit: Money?
        var reported: Set<String> = []
    }

    private let state = Mutex(State())

    func initialize(_ config: PluginConfig) async throws {
        let text = try config.settings.string("blockAbove")  // "500.00 USD"
        let limit: Money
        do {
            limit = try Money(parsing: text)
        } catch {
            throw BillingError(.invalidArgument, "Setting 'blockAbove' must be an amount such as '500.00 USD'", field: "blockAbove")
        }
        state.withLock { $0.limit = limit }
    }

    /// In a payment pipeline: `.stop` with the reasons when the payment is blocked.
    func execute(_ context: BillingContext) async throws -> PluginResult {
        guard context.eventType == .paymentInitiated else { return .success() }
        let payment = try context.decodePayload(as: PaymentInitiated.self).payment
        let verdict = try await checkTransaction(
            FraudCheckRequest(
                transaction: TransactionSnapshot(
                    id: payment.id, userId: payment.userId, kind: "payment", amount: payment.amount, status: payment.status
                ),
                user: context.user, tenantId: context.tenantId
            )
        )
        let data = try CanonicalJSON.value(from: verdict)
        if verdict.shouldBlock {
            return .stop(reason: "Blocked by \(name): " + verdict.reasons.joined(separator: "; "), data: data)
        }
        return .success(data)
    }

    func checkTransaction(_ request: FraudCheckRequest) async throws -> FraudResult {
        let (limit, reported) = state.withLock { ($0.limit, $0.reported) }
        guard let limit else { throw BillingError(.unsupported, "amount-limit is not initialized") }
        let amount = request.transaction.amount
        if reported.contains(request.transaction.id) {
            return FraudResult(decision: .block, score: 100, reasons: ["transaction \(request.transaction.id) was reported as fraud"])
        }
        guard amount.currency == limit.currency else {
            return FraudResult(decision: .review, score: 50, reasons: ["no limit is set for \(amount.currency)"])
        }
        if try amount.isGreater(than: limit) {
            return FraudResult(decision: .block, score: 90, reasons: ["amount \(amount) is above the limit \(limit)"])
        }
        if try amount.isGreater(than: limit.multiplied(by: 1, dividedBy: 2)) {
            return FraudResult(decision: .review, score: 40, reasons: ["amount \(amount) is above half the limit"])
        }
        return FraudResult(decision: .allow, score: 0)
    }

    /// Kept in memory here; a real plugin stores reports (the reference plugin publishes an event).
    func reportFraud(transactionId: String, reason: String) async throws {
        _ = state.withLock { $0.reported.insert(transactionId) }
    }

    func shutdown() async throws {
        state.withLock { $0.limit = nil }
    }

    func healthCheck() async -> PluginHealth {
        state.withLock { $0.limit } == nil ? .unhealthy("not initialized") : .healthy
    }
}

// MARK: - Tests

@Suite("Guide: FraudPlugin sample")
struct GuideFraudPluginTests {
    func payment(_ id: String, _ minorUnits: Int64) -> PaymentInitiated {
        PaymentInitiated(payment: PaymentSnapshot(id: id, userId: "u-1", amount: Money(minorUnits: minorUnits, currency: .usd), status: "pending"))
    }

    @Test("Allow, review and block; a block stops the pipeline with its reasons")
    func verdicts() async throws {
        let harness = PluginHarness(plugin: AmountLimitFraudPlugin(), settings: ["blockAbove": "500.00 USD"])
        try await harness.initialize()

        let small = try await harness.deliver(payment("pay-1", 10_00))
        #expect(small.success && small.shouldContinue)
        #expect(small.data?["decision"] == "allow")

        let large = try await harness.deliver(payment("pay-2", 400_00))
        #expect(large.shouldContinue)
        #expect(large.data?["decision"] == "review")

        let huge = try await harness.deliver(payment("pay-3", 900_00))
        #expect(huge.success)
        #expect(!huge.shouldContinue)
        #expect(huge.error == "Blocked by amount-limit: amount 900.00 USD is above the limit 500.00 USD")
        #expect(huge.data?["decision"] == "block")
    }

    @Test("Reported transactions are blocked; a malformed limit fails initialize naming the key")
    func reportsAndSettings() async throws {
        let harness = PluginHarness(plugin: AmountLimitFraudPlugin(), settings: ["blockAbove": "500.00 USD"])
        try await harness.initialize()
        try await harness.plugin.reportFraud(transactionId: "pay-9", reason: "chargeback")
        let result = try await harness.deliver(payment("pay-9", 1_00))
        #expect(!result.shouldContinue)

        let bad = PluginHarness(plugin: AmountLimitFraudPlugin(), settings: ["blockAbove": "lots"])
        let error = await #expect(throws: BillingError.self) { try await bad.initialize() }
        #expect(error?.field == "blockAbove")
        #expect(await bad.plugin.healthCheck() == .unhealthy("not initialized"))
    }
}
