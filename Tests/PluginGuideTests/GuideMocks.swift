import Bilingus
import BillingTesting
import Testing

// Hosts testing their own flows with the BillingTesting mocks (Documentation/PluginGuide.md,
// "Testing your plugin with BillingTesting"): every script property the guide names, exercised.

@Suite("Guide: the BillingTesting mocks")
struct GuideMocksTests {
    @Test("A scripted decline from MockPaymentPlugin behind the amount-limit check")
    func scriptedDecline() async throws {
        let payments = MockPaymentPlugin()
        payments.process.enqueue(.value(.declined(paymentId: "pay-5", code: "card_declined")))
        try await BillingEngine.withEngine(
            BillingEngine.Configuration(paymentChecks: [AmountLimitFraudPlugin.name]),
            storage: .inMemory,
            plugins: [
                .init(installAtStart: ["blockAbove": "500.00 USD"]) { AmountLimitFraudPlugin() },
                .init(installAtStart: [:]) { payments },
            ]
        ) { engine in
            let recorder = EventRecorder(bus: engine.events)
            _ = try await engine.initiatePayment(Fixture.payment("pay-5", 20_00), idempotencyKey: "order-5")
            let failed = try await recorder.expect(.paymentFailed, within: .seconds(5))
            #expect(try failed.decodePayload(as: PaymentFailed.self).failureCode == "card_declined")
            #expect(payments.process.calls.map(\.paymentId) == ["pay-5"])

            // The queue is used up: the next payment takes the default, a success.
            _ = try await engine.initiatePayment(Fixture.payment("pay-6", 20_00), idempotencyKey: "order-6")
            let completed = try await recorder.expect(.paymentCompleted, within: .seconds(5))
            #expect(try completed.decodePayload(as: PaymentCompleted.self).payment.id == "pay-6")
        }
    }

    @Test("A hung check times out: the payment is not initiated, nothing is stored; a delayed answer within the timeout is fine")
    func hungAndDelayed() async throws {
        let tax = MockTaxPlugin()
        tax.lifecycle.execute.enqueue(.hang, .delayed(.milliseconds(20), .success()))
        var configuration = BillingEngine.Configuration(paymentChecks: [MockTaxPlugin.name])
        configuration.plugins.callTimeout = .milliseconds(300)
        try await BillingEngine.withEngine(configuration, storage: .inMemory, plugins: [.init(installAtStart: [:]) { tax }]) { engine in
            let error = await #expect(throws: BillingError.self) {
                try await engine.initiatePayment(Fixture.payment("pay-7", 20_00), idempotencyKey: "order-7")
            }
            #expect(error?.code == .pluginFailure)
            #expect(error?.message.contains("did not finish within") == true)
            let stored = try await engine.storage.headSequence()
            #expect(stored == 0)

            let retried = try await engine.initiatePayment(Fixture.payment("pay-7", 20_00), idempotencyKey: "order-7")
            #expect(retried.outcome == .initiated)
            #expect(tax.lifecycle.execute.calls.count == 2)
        }
        tax.lifecycle.execute.releaseHungCalls()  // let the abandoned call finish
    }

    @Test("setDefault and .error: every call fails until the script changes; calls are recorded")
    func defaultsAndErrors() async throws {
        let notifications = MockNotificationPlugin()
        notifications.send.setDefault(.error(MockPluginError("the SMTP server is down")))
        try await BillingEngine.withEngine(storage: .inMemory, plugins: [.init(installAtStart: [:]) { notifications }]) { engine in
            let request = NotificationRequest(id: "n-1", channel: "email", recipient: "ada@example.com", template: "receipt")
            let failure = await #expect(throws: BillingError.self) {
                try await engine.plugins.call(MockNotificationPlugin.name, as: MockNotificationPlugin.self) { try await $0.sendNotification(request) }
            }
            #expect(failure?.message.contains("the SMTP server is down") == true)

            notifications.send.setDefault(.value(.sent))
            let receipt = try await engine.plugins.call(MockNotificationPlugin.name, as: MockNotificationPlugin.self) { try await $0.sendNotification(request) }
            #expect(receipt.status == .sent)
            #expect(notifications.send.calls.map(\.id) == ["n-1", "n-1"])
            #expect(notifications.sentNotifications.keys.sorted() == ["n-1"])
        }
    }

    @Test("Lifecycle scripts: a failing initialize, then an unhealthy check")
    func lifecycleScripts() async throws {
        let fraud = MockFraudPlugin()
        fraud.lifecycle.initialize.enqueue(.error(MockPluginError("no licence for the model")))
        try await BillingEngine.withEngine(storage: .inMemory, plugins: [.init(installAtStart: [:]) { fraud }]) { engine in
            let failed = try await engine.plugins.installedPlugins()
            #expect(failed.first?.status == .failed)
            #expect(failed.first?.lastError?.contains("no licence for the model") == true)

            try await engine.plugins.loadPlugin(MockFraudPlugin.name)  // the queued error is used up
            #expect(fraud.lifecycle.initializeCount == 2)
            fraud.lifecycle.health = .unhealthy("the model is not loaded")
            let health = await engine.health()
            #expect(health.status == .degraded)
            #expect(health.plugins.first?.health == .unhealthy("the model is not loaded"))
        }
        #expect(fraud.lifecycle.shutdownCount == 1)
    }

    @Test("The mocks have fixed names, and the payment mock handles payment.initiated like a provider plugin")
    func namesAndHarness() async throws {
        #expect([MockPaymentPlugin.name, MockTaxPlugin.name, MockFraudPlugin.name, MockNotificationPlugin.name]
            == ["mock-payment", "mock-tax", "mock-fraud", "mock-notification"])
        let harness = PluginHarness(plugin: MockPaymentPlugin())
        try await harness.initialize()
        let result = try await harness.deliver(PaymentInitiated(payment: Fixture.payment("pay-8", 5_00)))
        #expect(result.success && result.shouldContinue)
        let completed = try await harness.recorder.expect(.paymentCompleted)
        #expect(try completed.decodePayload(as: PaymentCompleted.self).payment.providerReference == "mock_pay-8")
    }
}
