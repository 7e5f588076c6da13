import Bilingus
import BillingTesting
import Testing

// MARK: - Sample: a host running the guide's plugins (Documentation/PluginGuide.md, "Pipelines and payment checks")

/// The host registers every plugin and names the payment checks: fraud, then tax.
func acmeEngineConfiguration(provider: any AcmePayClient) -> BillingEngine.Configuration {
    BillingEngine.Configuration(
        storage: .inMemory,
        plugins: [
            .init("amount-limit", installAtStart: ["blockAbove": "500.00 USD"]) { AmountLimitFraudPlugin() },
            .init("flat-tax", installAtStart: ["rateBasisPoints": 1900]) { FlatTaxPlugin() },
            .init("acme-pay", installAtStart: ["apiKey": .secret("sk_test_acme")]) { AcmePaymentPlugin(client: provider) },
            .init("outbox", installAtStart: [:]) { OutboxNotificationPlugin() },
        ],
        paymentChecks: ["amount-limit", "flat-tax"]
    )
}

// MARK: - Tests

@Suite("Guide: the sample plugins inside a real BillingEngine")
struct GuideEngineSetupTests {
    let user = UserSnapshot(id: "u-1", email: "ada@example.com", country: "DE")

    func payment(_ id: String, _ minorUnits: Int64) -> PaymentSnapshot {
        PaymentSnapshot(id: id, userId: "u-1", amount: Money(minorUnits: minorUnits, currency: .usd), status: "pending")
    }

    @Test("A payment that passes the checks is initiated, then charged by acme-pay through its durable subscription")
    func initiated() async throws {
        let provider = FakeAcmePayClient()
        try await BillingEngine.withEngine(acmeEngineConfiguration(provider: provider)) { engine in
            let recorder = EventRecorder(bus: engine.events)
            let result = try await engine.initiatePayment(payment("pay-1", 119_00), user: user, idempotencyKey: "order-1")
            #expect(result.outcome == .initiated)
            #expect(result.checks?.stages.map(\.plugin) == ["amount-limit", "flat-tax"])
            let tax = try CanonicalJSON.decode(TaxResult.self, from: try #require(result.checks?.stages[1].result.data))
            #expect(tax.totalTax == Money(minorUnits: 19_00, currency: .usd))

            let completed = try await recorder.expect(.paymentCompleted, within: .seconds(5))
            #expect(completed.causationId == result.event.id)
            #expect(provider.chargeCount == 1)
        }
    }

    @Test("A payment the fraud check blocks is stored as payment.failed (blocked); nothing is charged")
    func blocked() async throws {
        let provider = FakeAcmePayClient()
        try await BillingEngine.withEngine(acmeEngineConfiguration(provider: provider)) { engine in
            let result = try await engine.initiatePayment(payment("pay-2", 900_00), user: user, idempotencyKey: "order-2")
            #expect(result.outcome == .blocked)
            #expect(result.blockedBy == "amount-limit")
            #expect(result.reason == "Blocked by amount-limit: amount 900.00 USD is above the limit 500.00 USD")
            let failed = try result.event.decodePayload(as: PaymentFailed.self)
            #expect(failed.failureCode == BillingEngine.blockedFailureCode)
            #expect(try await engine.events.store.getEventsByType(.paymentInitiated).isEmpty)
            #expect(provider.requests.isEmpty)
        }
    }

    @Test("executePipeline runs plugins in order on one context and stops at the first stop")
    func pipeline() async throws {
        try await BillingEngine.withEngine(acmeEngineConfiguration(provider: FakeAcmePayClient())) { engine in
            let event = try BillingEvent(PaymentInitiated(payment: payment("pay-3", 700_00)))
            let pipeline = try await engine.plugins.executePipeline(["amount-limit", "flat-tax"], context: BillingContext(event: event))
            #expect(pipeline.stoppedAt == "amount-limit")
            #expect(pipeline.stages.map(\.plugin) == ["amount-limit"])
            #expect(!pipeline.completed)

            let small = try BillingEvent(PaymentInitiated(payment: payment("pay-4", 10_00)))
            let passed = try await engine.plugins.executePipeline(["amount-limit", "flat-tax"], context: BillingContext(event: small))
            #expect(passed.completed)
        }
    }

    @Test("The outbox receives invoice events through plugin.outbox, and the health report lists every plugin")
    func notificationsAndHealth() async throws {
        try await BillingEngine.withEngine(acmeEngineConfiguration(provider: FakeAcmePayClient())) { engine in
            let total = Money(minorUnits: 5_00, currency: .usd)
            let invoice = InvoiceSnapshot(id: "inv-1", userId: "u-1", status: "open", subtotal: total, tax: .zero(.usd), total: total)
            try await engine.events.publish(InvoiceGenerated(invoice: invoice, user: user))
            while try await engine.subscriptions.status(of: "plugin.outbox").lag > 0 {
                try await Task.sleep(for: .milliseconds(5))
            }
            let outbox = try #require(engine.plugins.getPlugin("outbox", as: OutboxNotificationPlugin.self))
            #expect(await outbox.outbox.map(\.request.recipient) == ["ada@example.com"])

            let report = await engine.health()
            #expect(report.status == .healthy)
            #expect(report.plugins.map(\.name) == ["acme-pay", "amount-limit", "flat-tax", "outbox"])
            #expect(report.plugins.allSatisfy { $0.status == .active })
        }
    }

    @Test("Hosts call the specialised methods through the manager, with its isolation")
    func specialisedCalls() async throws {
        try await BillingEngine.withEngine(acmeEngineConfiguration(provider: FakeAcmePayClient())) { engine in
            let request = TaxCalculationRequest(lineItems: [TaxLineItem(id: "line-1", amount: Money(minorUnits: 100_00, currency: .usd))], country: "DE")
            let tax = try await engine.plugins.call("flat-tax", as: (any TaxPlugin).self) { try await $0.calculateTax(request) }
            #expect(tax.totalTax == Money(minorUnits: 19_00, currency: .usd))

            let refund = try await engine.plugins.call("acme-pay", as: (any PaymentPlugin).self) { payments in
                try await payments.refundPayment(RefundRequest(paymentId: "pay-1", providerReference: "ch_1", idempotencyKey: "refund-pay-1"))
            }
            #expect(refund.success)
            await #expect(throws: BillingError.self) {
                try await engine.plugins.call("outbox", as: (any TaxPlugin).self) { try await $0.validateTaxNumber("DE1", country: "DE") }
            }
        }
    }

    @Test("Hosts test their flows with the BillingTesting mocks in place of real providers")
    func withMocks() async throws {
        let payments = MockPaymentPlugin()
        payments.process.enqueue(.value(.declined(paymentId: "pay-5", code: "card_declined")))
        let configuration = BillingEngine.Configuration(
            storage: .inMemory,
            plugins: [
                .init("amount-limit", installAtStart: ["blockAbove": "500.00 USD"]) { AmountLimitFraudPlugin() },
                .init("mock-payment", installAtStart: [:]) { payments },
            ],
            paymentChecks: ["amount-limit"]
        )
        try await BillingEngine.withEngine(configuration) { engine in
            let recorder = EventRecorder(bus: engine.events)
            _ = try await engine.initiatePayment(payment("pay-5", 20_00), idempotencyKey: "order-5")
            let failed = try await recorder.expect(.paymentFailed, within: .seconds(5))
            #expect(try failed.decodePayload(as: PaymentFailed.self).failureCode == "card_declined")
            #expect(payments.process.calls.map(\.paymentId) == ["pay-5"])
        }
    }
}
