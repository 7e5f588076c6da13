import Bilingus
import BillingTesting
import Testing

// MARK: - Sample: a host running the guide's plugins (Documentation/PluginGuide.md, "Pipelines and payment checks")

/// The host registers every plugin and names the payment checks by their types: fraud, then tax.
func withAcmeEngine<Result: Sendable>(provider: any AcmePayClient, _ body: (BillingEngine) async throws -> Result) async throws -> Result {
    try await BillingEngine.withEngine(
        BillingEngine.Configuration(paymentChecks: [AmountLimitFraudPlugin.name, FlatTaxPlugin.name]),
        storage: .inMemory,
        plugins: [
            .init(installAtStart: ["blockAbove": "500.00 USD"]) { AmountLimitFraudPlugin() },
            .init(installAtStart: ["rateBasisPoints": 1900]) { FlatTaxPlugin() },
            .init(installAtStart: ["apiKey": .secret("sk_test_acme")]) { AcmePaymentPlugin(client: provider) },
        ],
        body
    )
}

/// What a host makes of any plugin's result: the three cases of `PluginResult`.
func summary(of result: PluginResult) -> String {
    switch result {
    case .success(let data): "done" + (data.map { ": \($0)" } ?? "")
    case .stop(let reason, _): "stopped: \(reason)"
    case .failure(let message): "failed: \(message)"
    }
}

// MARK: - Tests

@Suite("Guide: pipelines and payment checks")
struct GuidePipelinesTests {
    @Test("A payment that passes the checks is initiated, then charged by acme-pay through its durable subscription")
    func initiated() async throws {
        let provider = FakeAcmePayClient()
        try await withAcmeEngine(provider: provider) { engine in
            let recorder = EventRecorder(bus: engine.events)
            let result = try await engine.initiatePayment(Fixture.payment("pay-1", 119_00), user: Fixture.user, idempotencyKey: "order-1")
            #expect(result.outcome == .initiated)
            #expect(result.checks?.stages.map(\.plugin) == [AmountLimitFraudPlugin.name, FlatTaxPlugin.name])
            let tax = try CanonicalJSON.decode(TaxResult.self, from: try #require(result.checks?.stages[1].result.data))
            #expect(tax.totalTax == Money(minorUnits: 19_00, currency: .usd))

            let completed = try await recorder.expect(.paymentCompleted, within: .seconds(5))
            #expect(completed.causationId == result.event.id)
            #expect(provider.chargeCount == 1)

            let replay = try await engine.initiatePayment(Fixture.payment("pay-1", 119_00), user: Fixture.user, idempotencyKey: "order-1")
            #expect(replay.replayed && replay.event.id == result.event.id && replay.checks == nil)
        }
    }

    @Test("A payment the fraud check stops is stored as payment.failed (blocked); nothing is charged")
    func blocked() async throws {
        let provider = FakeAcmePayClient()
        try await withAcmeEngine(provider: provider) { engine in
            let result = try await engine.initiatePayment(Fixture.payment("pay-2", 900_00), user: Fixture.user, idempotencyKey: "order-2")
            #expect(result.outcome == .blocked)
            #expect(result.blockedBy == AmountLimitFraudPlugin.name)
            #expect(result.reason == "Blocked by amount-limit: amount 900.00 USD is above the limit 500.00 USD")
            let failed = try result.event.decodePayload(as: PaymentFailed.self)
            #expect(failed.failureCode == BillingEngine.blockedFailureCode)
            let initiated = try await engine.storage.events(ofType: .paymentInitiated, tenant: .any)
            #expect(initiated.isEmpty)
            #expect(provider.requests.isEmpty)
        }
    }

    @Test("runPipeline runs plugins in order on one context and stops at the first result that is not a success")
    func pipeline() async throws {
        try await withAcmeEngine(provider: FakeAcmePayClient()) { engine in
            let event = try BillingEvent(PaymentInitiated(payment: Fixture.payment("pay-3", 700_00)))
            let pipeline = try await engine.plugins.runPipeline([AmountLimitFraudPlugin.name, FlatTaxPlugin.name], context: BillingContext(event: event))
            #expect(pipeline.stoppedAt == AmountLimitFraudPlugin.name)
            #expect(pipeline.stages.map(\.plugin) == [AmountLimitFraudPlugin.name])
            #expect(!pipeline.completed)
            #expect(summary(of: pipeline.stages[0].result) == "stopped: Blocked by amount-limit: amount 700.00 USD is above the limit 500.00 USD")

            let small = try BillingEvent(PaymentInitiated(payment: Fixture.payment("pay-4", 10_00)))
            let passed = try await engine.plugins.runPipeline([AmountLimitFraudPlugin.name, FlatTaxPlugin.name], context: BillingContext(event: small))
            #expect(passed.completed)
            #expect(summary(of: passed.stages[0].result).hasPrefix("done: "))
            #expect(summary(of: .failure(message: "no answer")) == "failed: no answer")
        }
    }

    @Test("Hosts call the specialised methods through the manager, with its isolation")
    func specialisedCalls() async throws {
        try await withAcmeEngine(provider: FakeAcmePayClient()) { engine in
            let request = TaxCalculationRequest(lineItems: [TaxLineItem(id: "line-1", amount: Money(minorUnits: 100_00, currency: .usd))], country: "DE")
            let tax = try await engine.plugins.call(FlatTaxPlugin.name, as: (any TaxPlugin).self) { try await $0.calculateTax(request) }
            #expect(tax.totalTax == Money(minorUnits: 19_00, currency: .usd))

            let refund = try await engine.plugins.call(AcmePaymentPlugin.name, as: (any PaymentPlugin).self) { payments in
                try await payments.refundPayment(RefundRequest(paymentId: "pay-1", providerReference: "ch_1", idempotencyKey: "refund-pay-1"))
            }
            #expect(refund.success)
            let wrongType = await #expect(throws: BillingError.self) {
                try await engine.plugins.call(AcmePaymentPlugin.name, as: (any TaxPlugin).self) { try await $0.validateTaxNumber("DE1", country: "DE") }
            }
            #expect(wrongType?.code == .invalidArgument)
        }
    }
}
