import Bilingus
import BillingTesting
import Testing

// MARK: - Sample: an operator releases a stuck claim (Documentation/PluginGuide.md, "Doing a side effect once")

/// After checking with the provider that these receipts never went out: release their
/// claims, then deliver their events again.
func resendUnconfirmedReceipts(in engine: BillingEngine) async throws {
    let state = engine.plugins.state(of: ReceiptPlugin.name)
    for claim in try await ReceiptPlugin.unconfirmedReceipts(in: state) {
        try await state.delete(claim.key, if: .version(claim.version))
    }
    try await engine.subscriptions.redeliverAll(subscription: PluginManager.subscriptionName(of: ReceiptPlugin.name))
}

// MARK: - Tests

@Suite("Guide: stuck claims inside an engine")
struct GuideStuckReceiptsTests {
    @Test("An unconfirmed send becomes a dead letter, the engine is degraded, and the operator's release sends it again")
    func operatorReleasesTheClaim() async throws {
        let mailer = FakeMailer()
        var configuration = BillingEngine.Configuration()
        configuration.plugins.delivery.retry = RetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(10))
        try await BillingEngine.withEngine(
            configuration, storage: .inMemory,
            plugins: [.init(installAtStart: ["apiKey": .secret("key-platform")]) { ReceiptPlugin(mailer: mailer) }]
        ) { engine in
            // The provider accepts the message, but the answer never comes back: the same state a crash leaves.
            mailer.dieAfterNextSend()
            try await engine.events.publish(InvoicePaid(invoice: Fixture.invoice()), tenantId: "acme")
            let subscription = PluginManager.subscriptionName(of: ReceiptPlugin.name)
            let deadLettered = try await eventually {
                try await engine.subscriptions.status(of: subscription).deadLetterCount == 1
            }
            #expect(deadLettered)
            let letters = try await engine.subscriptions.deadLetters(subscription: subscription)
            #expect(letters.map(\.attempts) == [2])  // the unknown outcome, then the retry that gave up
            #expect(letters.first?.lastError.contains("claimed but never confirmed") == true)
            #expect(mailer.sent.count == 1)
            let health = await engine.health()
            #expect(health.status == .degraded)

            try await resendUnconfirmedReceipts(in: engine)
            let resent = try await eventually { mailer.sent.count == 2 }
            #expect(resent)
            let cleared = try await eventually {
                try await engine.subscriptions.status(of: subscription).deadLetterCount == 0
            }
            #expect(cleared)
            let state = engine.plugins.state(of: ReceiptPlugin.name)
            let record = try await state.get(ReceiptPlugin.receiptKey(tenant: "acme", invoice: "inv-1"))
            #expect(record?.value == ["status": "sent", "messageId": "msg-2"])
        }
    }
}
