import BillingCore
import BillingPlugins
import BillingTesting
import Foundation
import Testing

@Suite("Rule-based fraud plugin")
struct RuleBasedFraudPluginTests {
    let user = UserSnapshot(id: "u-1", email: "ada@example.com", country: "DE")

    /// A `payment.initiated` event for `user` (default u-1), stamped by the harness's clock.
    func initiated(
        _ harness: PluginHarness<RuleBasedFraudPlugin>, id: String, minorUnits: Int64, currency: CurrencyCode = .usd,
        userId: String = "u-1", tenantId: String? = "acme", metadata: [String: JSONValue] = [:]
    ) throws -> BillingEvent {
        let payment = PaymentSnapshot(id: id, userId: userId, amount: Money(minorUnits: minorUnits, currency: currency), status: "pending")
        return try BillingEvent(PaymentInitiated(payment: payment), timestamp: harness.clock.wallClock.now(), tenantId: tenantId, metadata: metadata)
    }

    func started(_ settings: PluginSettings) async throws -> PluginHarness<RuleBasedFraudPlugin> {
        let harness = PluginHarness(plugin: RuleBasedFraudPlugin(), settings: settings)
        try await harness.initialize()
        return harness
    }

    func decision(_ result: PluginResult) -> String? {
        result.data?.objectValue?["decision"]?.stringValue
    }

    // MARK: - Settings

    @Test(
        "A bad setting fails initialization naming its key",
        arguments: [
            (["reviewAbove": ["lots"]], "reviewAbove"),
            (["blockAbove": ["10.00 USD", "20.00 USD"]], "blockAbove"),
            (["blockAbove": ["-1.00 USD"]], "blockAbove"),
            (["blockedCountries": ["USA"]], "blockedCountries"),
            (["maxPaymentsPerUser": 0], "maxPaymentsPerUser"),
            (["maxPaymentsPerTenant": "many"], "maxPaymentsPerTenant"),
            (["velocityWindowSeconds": 0], "velocityWindowSeconds"),
            (["reviewScore": 90, "blockScore": 80], "reviewScore"),
            (["blockScore": 101], "blockScore"),
            (["blockedUsers": "u-1"], "blockedUsers"),
        ] as [(PluginSettings, String)]
    )
    func badSettings(settings: PluginSettings, key: String) async throws {
        let harness = PluginHarness(plugin: RuleBasedFraudPlugin(), settings: settings)
        let error = await #expect(throws: BillingError.self) { try await harness.initialize() }
        #expect(error?.field == key)
        #expect(error?.code == .invalidArgument)
    }

    // MARK: - Amounts

    @Test("Amount thresholds per currency: allow, review, block; other currencies are not judged")
    func amountThresholds() async throws {
        let harness = try await started(["reviewAbove": ["500.00 USD"], "blockAbove": ["1000.00 USD", "100000 JPY"]])
        #expect(decision(try await harness.deliver(try initiated(harness, id: "p-1", minorUnits: 50_000))) == "allow")
        let review = try await harness.deliver(try initiated(harness, id: "p-2", minorUnits: 50_001))
        #expect(decision(review) == "review")
        #expect(review.shouldContinue && review.success)
        #expect(review.data?.objectValue?["reasons"] == ["amount 500.01 USD is above the review threshold 500.00 USD"])

        let blocked = try await harness.deliver(try initiated(harness, id: "p-3", minorUnits: 100_001))
        #expect(decision(blocked) == "block")
        #expect(blocked.success && !blocked.shouldContinue)
        #expect(blocked.error == "Blocked by fraud-rules: amount 1000.01 USD is above the block threshold 1000.00 USD")
        #expect(blocked.data?.objectValue?["score"] == 100)

        #expect(decision(try await harness.deliver(try initiated(harness, id: "p-4", minorUnits: 100_001, currency: .jpy))) == "block")
        #expect(decision(try await harness.deliver(try initiated(harness, id: "p-5", minorUnits: 99_999_999, currency: .eur))) == "allow")
    }

    // MARK: - Block lists

    @Test("Block lists: user, email domain and its subdomains, country (metadata or the user's), card fingerprint")
    func blockLists() async throws {
        let harness = try await started([
            "blockedUsers": ["u-bad"], "blockedEmailDomains": ["@Mailinator.com"], "blockedCountries": ["kp"],
            "blockedCardFingerprints": ["fp_stolen"],
        ])
        let plugin = harness.plugin
        func check(user: UserSnapshot?, userId: String = "u-1", country: String? = nil, card: String? = nil) async throws -> FraudResult {
            try await plugin.checkTransaction(FraudCheckRequest(
                transaction: TransactionSnapshot(id: UUID().uuidString, userId: userId, kind: "payment", amount: Money(minorUnits: 100, currency: .usd), status: "pending"),
                user: user, tenantId: "acme", country: country, cardFingerprint: card
            ))
        }
        #expect(try await check(user: user) == FraudResult(decision: .allow, score: 0))
        #expect(try await check(user: nil, userId: "u-bad") == FraudResult(decision: .block, score: 100, reasons: ["user u-bad is on the block list"]))
        var throwaway = user
        throwaway.email = "x@eu.MAILINATOR.com"
        #expect(try await check(user: throwaway).reasons == ["email domain eu.mailinator.com is blocked (mailinator.com)"])
        throwaway.email = "x@notmailinator.com"
        #expect(try await check(user: throwaway).decision == .allow)
        #expect(try await check(user: user, country: "KP").reasons == ["country KP is blocked"])
        var northern = user
        northern.country = "kp"
        #expect(try await check(user: northern).decision == .block)
        #expect(try await check(user: user, card: "fp_stolen").reasons == ["the card is on the block list"])

        // Through execute: country and card come from the event's metadata.
        let result = try await harness.deliver(try initiated(harness, id: "p-9", minorUnits: 100, metadata: ["country": "KP", "cardFingerprint": "fp_stolen"]))
        #expect(!result.shouldContinue)
        #expect(result.data?.objectValue?["rules"] == ["blocked_country", "blocked_card"])
    }

    // MARK: - Velocity

    @Test("Velocity per user counts distinct earlier payments in the window, never the payment itself")
    func userVelocity() async throws {
        let harness = try await started(["maxPaymentsPerUser": 2, "velocityWindowSeconds": 600])
        #expect(decision(try await harness.deliver(try initiated(harness, id: "p-1", minorUnits: 100))) == "allow")
        harness.clock.advance(by: .seconds(60))
        let second = try await harness.deliver(try initiated(harness, id: "p-2", minorUnits: 100))
        #expect(decision(second) == "allow")
        // The outcome of p-2 is stored too; it is the same payment, so it counts once.
        try await harness.bus.publish(PaymentFailed(payment: PaymentSnapshot(id: "p-2", userId: "u-1", amount: Money(minorUnits: 100, currency: .usd), status: "failed"), failureMessage: "declined"), tenantId: "acme")
        // Another user's and another tenant's payments do not count.
        _ = try await harness.deliver(try initiated(harness, id: "q-1", minorUnits: 100, userId: "u-2"))
        _ = try await harness.deliver(try initiated(harness, id: "q-2", minorUnits: 100, tenantId: "other"))

        harness.clock.advance(by: .seconds(60))
        let third = try await harness.deliver(try initiated(harness, id: "p-3", minorUnits: 100))
        #expect(decision(third) == "review")
        #expect(third.data?.objectValue?["reasons"] == ["user u-1 already made 2 payment(s) in the last 10m (limit 2)"])
        // A redelivery of p-3 sees the same two earlier payments.
        let event = try #require(harness.recorder.events(of: .paymentInitiated).last)
        #expect(decision(try await harness.redeliver(event)) == "review")

        // Once p-1 leaves the window, only p-2 counts.
        harness.clock.advance(by: .seconds(481))
        #expect(decision(try await harness.deliver(try initiated(harness, id: "p-4", minorUnits: 100))) == "review")  // p-2, p-3
        harness.clock.advance(by: .seconds(600))
        #expect(decision(try await harness.deliver(try initiated(harness, id: "p-5", minorUnits: 100))) == "allow")
    }

    @Test("Velocity per tenant, and rules add up: velocity plus a large amount blocks")
    func tenantVelocityAndScoring() async throws {
        let harness = try await started(["maxPaymentsPerTenant": 3, "reviewAbove": ["100.00 USD"]])
        for index in 1...3 {
            #expect(decision(try await harness.deliver(try initiated(harness, id: "t-\(index)", minorUnits: 100, userId: "u-\(index)"))) == "allow")
        }
        let fourth = try await harness.deliver(try initiated(harness, id: "t-4", minorUnits: 100, userId: "u-4"))
        #expect(fourth.data?.objectValue?["rules"] == ["tenant_velocity"])
        #expect(fourth.data?.objectValue?["score"] == 60)
        let large = try await harness.deliver(try initiated(harness, id: "t-5", minorUnits: 20_000, userId: "u-5"))
        #expect(decision(large) == "block")
        #expect(large.data?.objectValue?["score"] == 100)
        #expect(large.data?.objectValue?["rules"] == ["amount_review", "tenant_velocity"])
        // Payments without a tenant are not counted against one.
        #expect(decision(try await harness.deliver(try initiated(harness, id: "t-6", minorUnits: 100, tenantId: nil))) == "allow")
    }

    // MARK: - Reports

    @Test("Reported fraud blocks the user and card from then on, in this and any later instance")
    func reportedFraud() async throws {
        let harness = try await started([:])
        let first = try initiated(harness, id: "p-1", minorUnits: 100, metadata: ["cardFingerprint": "fp_1"])
        #expect(decision(try await harness.deliver(first)) == "allow")

        try await harness.plugin.reportFraud(transactionId: "p-1", reason: "chargeback: fraudulent")
        try await harness.plugin.reportFraud(transactionId: "p-1", reason: "reported twice")
        let reports = harness.recorder.events(of: FraudReported.eventType)
        #expect(reports.count == 1)
        #expect(try reports[0].decodePayload(as: FraudReported.self) == FraudReported(transactionId: "p-1", reason: "chargeback: fraudulent", userId: "u-1", cardFingerprint: "fp_1"))
        #expect(reports[0].causationId == first.id)

        let again = try await harness.deliver(try initiated(harness, id: "p-2", minorUnits: 100))
        #expect(again.data?.objectValue?["rules"] == ["reported_user"])
        let card = try await harness.deliver(try initiated(harness, id: "p-3", minorUnits: 100, userId: "u-3", metadata: ["cardFingerprint": "fp_1"]))
        #expect(card.data?.objectValue?["rules"] == ["reported_card"])
        // Scoped to the tenant: u-1 of another tenant is someone else.
        #expect(decision(try await harness.deliver(try initiated(harness, id: "p-4", minorUnits: 100, tenantId: "other"))) == "allow")

        // A new instance (a restart, another process) reads the reports back.
        let restarted = RuleBasedFraudPlugin()
        try await restarted.initialize(harness.config)
        let verdict = try await restarted.checkTransaction(FraudCheckRequest(
            transaction: TransactionSnapshot(id: "p-5", userId: "u-1", kind: "payment", amount: Money(minorUnits: 1, currency: .usd), status: "pending"),
            tenantId: "acme"
        ))
        #expect(verdict.decision == .block)

        let error = await #expect(throws: BillingError.self) { try await harness.plugin.reportFraud(transactionId: "nope", reason: "?") }
        #expect(error?.code == .notFound)
    }

    @Test("Other events pass untouched; calls before initialize fail clearly")
    func lifecycle() async throws {
        let plugin = RuleBasedFraudPlugin()
        #expect(await plugin.healthCheck() == .unhealthy("not initialized"))
        let request = FraudCheckRequest(transaction: TransactionSnapshot(id: "t", userId: "u", kind: "payment", amount: Money(minorUnits: 1, currency: .usd), status: "pending"))
        await #expect(throws: BillingError.self) { try await plugin.checkTransaction(request) }

        let harness = try await started([:])
        let result = try await harness.deliver(UserCreated(user: user))
        #expect(result == .success())
        #expect(await harness.plugin.healthCheck() == .healthy)
        try await harness.shutdown()
        #expect(await harness.plugin.healthCheck() == .unhealthy("not initialized"))
    }
}
