import Bilingus
import BillingTesting
import Foundation
import Testing

@Suite("BillingEngine.initiatePayment: checks before the payment plugin")
struct PaymentInitiationTests {
    let user = UserSnapshot(id: "u-1", email: "ada@example.com", country: "DE")

    func payment(_ id: String, _ minorUnits: Int64) -> PaymentSnapshot {
        PaymentSnapshot(id: id, userId: "u-1", amount: Money(minorUnits: minorUnits, currency: .usd), status: "pending")
    }

    /// An in-memory engine with the rule-based fraud plugin, a scriptable check, and a mock payment plugin.
    func withEngine<T: Sendable>(payments: MockPaymentPlugin, check: MockTaxPlugin, _ body: (BillingEngine) async throws -> T) async throws -> T {
        try await BillingEngine.withEngine(
            BillingEngine.Configuration(paymentChecks: [RuleBasedFraudPlugin.name, MockTaxPlugin.name]),
            storage: .inMemory,
            plugins: [
                .init(installAtStart: ["blockAbove": ["1000.00 USD"], "blockedCountries": ["KP"]]) { RuleBasedFraudPlugin() },
                .init(installAtStart: [:]) { check },
                .init(installAtStart: [:]) { payments },
            ],
            logger: quietLogger,
            body
        )
    }

    @Test("A payment that passes every check is initiated and charged; a rerun replays it without checking again")
    func passes() async throws {
        let payments = MockPaymentPlugin()
        let check = MockTaxPlugin()
        try await withEngine(payments: payments, check: check) { engine in
            let recorder = EventRecorder(bus: engine.events)
            let first = try await engine.initiatePayment(payment("pay-1", 5_000), user: user, tenantId: "acme", idempotencyKey: "pay-1")
            #expect(first.outcome == .initiated)
            #expect(!first.replayed)
            #expect(first.event.type == .paymentInitiated)
            #expect(first.event.metadata["checks"] == ["fraud-rules", "mock-tax"])
            #expect(first.checks?.stages.map(\.plugin) == ["fraud-rules", "mock-tax"])
            #expect(first.checks?.completed == true)
            // The check after fraud saw the fraud verdict and the user.
            let context = try #require(check.lifecycle.execute.calls.first)
            #expect(context.pipelineResults["fraud-rules"]?.data?.objectValue?["decision"] == "allow")
            #expect(context.user == user)
            #expect(context.event.id == first.event.id)

            try await recorder.expect(.paymentCompleted, within: .seconds(5))
            #expect(payments.process.calls.map(\.paymentId) == ["pay-1"])

            let again = try await engine.initiatePayment(payment("pay-1", 5_000), user: user, tenantId: "acme", idempotencyKey: "pay-1")
            #expect(again.replayed && again.outcome == .initiated && again.checks == nil)
            #expect(again.event.id == first.event.id)
            #expect(check.lifecycle.execute.calls.count == 1, "no check runs again on a replay")
            #expect(try await engine.storage.events(ofType: .paymentInitiated, tenant: "acme").count == 1)
        }
    }

    @Test("A payment a check blocks is recorded as payment.failed (blocked) and never reaches the payment plugin")
    func blocked() async throws {
        let payments = MockPaymentPlugin()
        let check = MockTaxPlugin()
        try await withEngine(payments: payments, check: check) { engine in
            let result = try await engine.initiatePayment(
                payment("pay-2", 250_000), user: user, tenantId: "acme", metadata: ["country": "KP"], idempotencyKey: "pay-2"
            )
            #expect(result.outcome == .blocked)
            #expect(result.blockedBy == "fraud-rules")
            #expect(result.reason == "Blocked by fraud-rules: country KP is blocked; amount 2500.00 USD is above the block threshold 1000.00 USD")
            #expect(result.checks?.stoppedAt == "fraud-rules")
            #expect(check.lifecycle.execute.calls.isEmpty, "the pipeline stopped at fraud")
            let failed = try result.event.decodePayload(as: PaymentFailed.self)
            #expect(failed.failureCode == BillingEngine.blockedFailureCode)
            #expect(failed.payment.status == "failed")
            #expect(result.event.metadata["blockedBy"] == "fraud-rules")

            let replay = try await engine.initiatePayment(payment("pay-2", 250_000), user: user, tenantId: "acme", idempotencyKey: "pay-2")
            #expect(replay.replayed && replay.outcome == .blocked && replay.blockedBy == "fraud-rules" && replay.reason == result.reason)

            let store = engine.storage
            #expect(try await store.events(ofType: .paymentInitiated, tenant: "acme").isEmpty)
            #expect(try await store.events(forEntity: "pay-2", tenant: "acme").map(\.type) == [.paymentFailed])
            #expect(payments.process.calls.isEmpty)
        }
    }

    @Test("A check that fails stores nothing and throws plugin.failure; a retry succeeds once it recovers")
    func failingCheck() async throws {
        let payments = MockPaymentPlugin()
        let check = MockTaxPlugin()
        check.lifecycle.execute.enqueue(.error(BillingError(.timeout, "tax service unreachable")))
        try await withEngine(payments: payments, check: check) { engine in
            let error = await #expect(throws: BillingError.self) {
                try await engine.initiatePayment(payment("pay-3", 100), tenantId: "acme", idempotencyKey: "pay-3")
            }
            #expect(error?.code == .pluginFailure)
            #expect(error?.message.contains("mock-tax") == true)
            #expect(try await engine.storage.headSequence() == 0)

            let retry = try await engine.initiatePayment(payment("pay-3", 100), tenantId: "acme", idempotencyKey: "pay-3")
            #expect(retry.outcome == .initiated && !retry.replayed)

            await #expect(throws: BillingError.self) {
                try await engine.initiatePayment(payment("pay-4", 100), idempotencyKey: "pay-4", checks: ["not-loaded"])
            }
        }
    }
}
