import BillingCore
import BillingTesting
import Synchronization
import Testing

// MARK: - Sample: a provider-backed PaymentPlugin (Documentation/PluginGuide.md, "PaymentPlugin")

/// The part of the provider's API the plugin uses. The real client speaks HTTP;
/// tests pass a fake.
protocol AcmePayClient: Sendable {
    func charge(_ charge: AcmeChargeRequest, apiKey: Secret) async throws -> AcmeCharge
    func refund(chargeId: String, amount: Money?, idempotencyKey: String, apiKey: Secret) async throws -> AcmeRefund
    func status(ofPayment paymentId: String, apiKey: Secret) async throws -> String
}

struct AcmeChargeRequest: Sendable, Hashable {
    var amount: Money
    var paymentMethod: String?
    var reference: String
    var idempotencyKey: String
}

struct AcmeCharge: Sendable, Hashable {
    var id: String
    var approved: Bool
    var declineCode: String?
}

struct AcmeRefund: Sendable, Hashable {
    var id: String
    var amount: Money
}

/// A network or 5xx failure: worth retrying, so it is thrown.
struct AcmePayUnavailable: Error, CustomStringConvertible {
    var status: Int
    var description: String { "Acme Pay answered \(status)" }
}

actor AcmePaymentPlugin: PaymentPlugin {
    static let name = "acme-pay"
    nonisolated let version = "1.0.0"
    nonisolated let description = "Charges cards through Acme Pay"
    nonisolated let author = "Acme Corp"

    private let client: any AcmePayClient
    private var options: AcmeOptions?
    private var publisher: (any EventPublisher)?

    init(client: any AcmePayClient) {
        self.client = client
    }

    func initialize(_ config: PluginConfig) async throws {
        options = try AcmeOptions(config.settings)  // throws, naming the key, on a bad setting
        publisher = config.publisher
    }

    func execute(_ context: BillingContext) async throws -> PluginResult {
        guard let publisher else { return .failure(message: "acme-pay is not initialized") }
        // Only its durable subscription charges: a direct call's event was never stored.
        guard context.delivery != nil else { return .success() }
        // payment.initiated → processPayment → payment.completed, or payment.failed and `.stop` for a decline.
        return try await handlePaymentInitiated(context, publisher: publisher)
    }

    func processPayment(_ request: PaymentRequest) async throws -> PaymentResult {
        let options = try requireOptions()
        guard options.currencies.contains(request.amount.currency.alphabeticCode) else {
            return PaymentResult(
                success: false, paymentId: request.paymentId, status: .failed,
                failureCode: "currency_not_supported", failureMessage: "Acme Pay is not set up for \(request.amount.currency)"
            )
        }
        let charge = try await client.charge(
            AcmeChargeRequest(
                amount: request.amount, paymentMethod: request.paymentMethodId, reference: request.paymentId,
                idempotencyKey: request.idempotencyKey  // "payment-<event id>": a redelivery never charges twice
            ),
            apiKey: options.apiKey
        )
        guard charge.approved else {
            // A decline is an answer, not an error: return it, never throw it.
            return PaymentResult(
                success: false, paymentId: request.paymentId, providerReference: charge.id, status: .failed,
                failureCode: charge.declineCode ?? "declined", failureMessage: "Acme Pay declined the charge"
            )
        }
        return PaymentResult(success: true, paymentId: request.paymentId, providerReference: charge.id, status: .succeeded)
    }

    func refundPayment(_ request: RefundRequest) async throws -> RefundResult {
        guard let chargeId = request.providerReference else {
            return RefundResult(success: false, status: .failed, failureMessage: "No Acme Pay charge to refund")
        }
        let refund = try await client.refund(
            chargeId: chargeId, amount: request.amount, idempotencyKey: request.idempotencyKey, apiKey: try requireOptions().apiKey
        )
        return RefundResult(success: true, refundId: refund.id, amount: refund.amount, status: .refunded)
    }

    func getPaymentStatus(_ paymentId: String) async throws -> PaymentStatus {
        PaymentStatus(rawValue: try await client.status(ofPayment: paymentId, apiKey: try requireOptions().apiKey))
    }

    func shutdown() async throws {
        options = nil
        publisher = nil
    }

    func healthCheck() async -> PluginHealth {
        options == nil ? .unhealthy("not initialized") : .healthy
    }

    private func requireOptions() throws -> AcmeOptions {
        guard let options else { throw BillingError(.unsupported, "acme-pay is not initialized") }
        return options
    }
}

// MARK: - Tests

@Suite("Guide: PaymentPlugin sample")
struct GuidePaymentPluginTests {
    let payment = PaymentSnapshot(id: "pay-1", userId: "u-1", amount: Money(minorUnits: 4_999, currency: .usd), status: "pending")

    @Test("A charge publishes payment.completed once, even when the event is delivered twice")
    func chargesOnce() async throws {
        let provider = FakeAcmePayClient()
        let harness = PluginHarness(plugin: AcmePaymentPlugin(client: provider), settings: ["apiKey": .secret("sk_test_acme")])
        try await harness.initialize()

        let result = try await harness.deliver(PaymentInitiated(payment: payment, paymentMethodId: "pm_card"), tenantId: "shop-1")
        #expect(result.success && result.shouldContinue)
        let completed = try await harness.recorder.expect(.paymentCompleted)
        let initiated = try #require(harness.recorder.events(of: .paymentInitiated).first)
        #expect(completed.causationId == initiated.id)
        #expect(completed.tenantId == "shop-1")
        #expect(try completed.decodePayload(as: PaymentCompleted.self).payment.providerReference == "ch_1")
        #expect(provider.requests.map(\.idempotencyKey) == ["payment-\(initiated.id)"])

        // At least once: the same event again charges nothing new and publishes nothing new.
        _ = try await harness.redeliver(initiated)
        #expect(provider.chargeCount == 1)
        #expect(harness.recorder.events(of: .paymentCompleted).count == 1)
    }

    @Test("A decline is a successful call that publishes payment.failed and stops a pipeline")
    func declines() async throws {
        let harness = PluginHarness(plugin: AcmePaymentPlugin(client: FakeAcmePayClient(declineFrom: 1_000)), settings: ["apiKey": .secret("sk_test_acme")])
        try await harness.initialize()
        let result = try await harness.deliver(PaymentInitiated(payment: payment))
        guard case .stop(let reason, let data) = result else {
            Issue.record("a decline is .stop, not \(result)")
            return
        }
        #expect(reason == "Acme Pay declined the charge")
        #expect(data?["failureCode"] == "insufficient_funds")
        #expect(result.success && !result.shouldContinue)
        let failed = try await harness.recorder.expect(.paymentFailed)
        #expect(try failed.decodePayload(as: PaymentFailed.self).failureCode == "insufficient_funds")
        try await harness.recorder.expectNone(.paymentCompleted)
    }

    @Test("A direct call charges nothing: only the durable subscription's deliveries do")
    func directCallsDoNotCharge() async throws {
        let provider = FakeAcmePayClient()
        let harness = PluginHarness(plugin: AcmePaymentPlugin(client: provider), settings: ["apiKey": .secret("sk_test_acme")])
        try await harness.initialize()
        let result = try await harness.execute(BillingContext(event: try BillingEvent(PaymentInitiated(payment: payment))))
        #expect(result == .success())
        #expect(provider.requests.isEmpty)
    }

    @Test("A provider outage throws (so the subscription retries); the retry charges once")
    func outageIsRetried() async throws {
        let provider = FakeAcmePayClient()
        provider.failNext(503)
        let harness = PluginHarness(plugin: AcmePaymentPlugin(client: provider), settings: ["apiKey": .secret("sk_test_acme")])
        try await harness.initialize()
        await #expect(throws: AcmePayUnavailable.self) {
            try await harness.deliver(PaymentInitiated(payment: payment))
        }
        let initiated = try #require(harness.recorder.events(of: .paymentInitiated).first)
        try await harness.redeliver(initiated)
        #expect(provider.chargeCount == 1)
        #expect(harness.recorder.events(of: .paymentCompleted).count == 1)
    }

    @Test("A currency the account is not set up for is declined without calling the provider")
    func unsupportedCurrency() async throws {
        let provider = FakeAcmePayClient()
        let harness = PluginHarness(plugin: AcmePaymentPlugin(client: provider), settings: ["apiKey": .secret("sk_test_acme")])
        try await harness.initialize()
        var yen = payment
        yen.amount = Money(minorUnits: 5_000, currency: .jpy)
        let result = try await harness.deliver(PaymentInitiated(payment: yen))
        #expect(!result.shouldContinue)
        let failed = try await harness.recorder.expect(.paymentFailed)
        #expect(try failed.decodePayload(as: PaymentFailed.self).failureCode == "currency_not_supported")
        #expect(provider.requests.isEmpty)
    }

    @Test("Without its apiKey it fails to initialize, naming the key")
    func requiresKey() async throws {
        let harness = PluginHarness(plugin: AcmePaymentPlugin(client: FakeAcmePayClient()))
        let error = await #expect(throws: BillingError.self) { try await harness.initialize() }
        #expect(error?.field == "apiKey")
        #expect(await harness.plugin.healthCheck() == .unhealthy("not initialized"))
    }
}
