import BilingusTestSupport
import BillingCore
@testable import BillingPlugins
import BillingTesting
import Foundation
import Synchronization

/// One test's Stripe plugin on a harness (in-memory store, test clock), pointed at the
/// test server with the test's own API key.
final class StripeWorld: Sendable {
    let server: StripeTestServer
    let harness: PluginHarness<StripePaymentPlugin>
    /// The back-off waits the plugin slept, in order (the test clock fires them at once).
    private let waits = Mutex<[Duration]>([])

    /// - Parameter clock: the plugin's clock; webhook tests start it at the real time of day,
    ///   since the test server signs webhooks with it.
    init(
        settings extra: PluginSettings = [:], tenants: [String: PluginSettings] = [:], server: StripeTestServer? = nil, clock: TestClock = TestClock()
    ) async throws {
        let server = try server ?? StripeTestServer.start()
        self.server = server
        harness = PluginHarness(plugin: StripePaymentPlugin(), settings: server.settings.merging(extra), tenantSettings: tenants, clock: clock)
        try await harness.initialize()
    }

    deinit {
        let harness = harness
        Task { try? await harness.shutdown() }
    }

    var plugin: StripePaymentPlugin { harness.plugin }
    var clock: TestClock { harness.clock }
    var sleptFor: [Duration] { waits.withLock { $0 } }

    /// Runs `body`, firing every back-off sleep it starts on the test clock at once
    /// (recording how long it asked to wait), so retries take no real time.
    func driven<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let clock = harness.clock
        let driver = Task { [self] in
            while !Task.isCancelled {
                if let next = clock.nextDeadline {
                    waits.withLock { $0.append(next - clock.elapsed) }
                    clock.advanceToNextDeadline()
                }
                try? await Task.sleep(for: .milliseconds(2))
            }
        }
        defer { driver.cancel() }
        return try await body()
    }

    /// A `payment.initiated` event for `amount`, charged with `paymentMethod`.
    func initiated(
        _ amount: Money, paymentMethod: String = "pm_card_visa", paymentId: String = "pay-\(UUID().uuidString.prefix(8))",
        tenantId: String? = nil, metadata: [String: JSONValue] = [:]
    ) throws -> BillingEvent {
        let payment = PaymentSnapshot(id: paymentId, userId: "user-1", invoiceId: "inv-1", amount: amount, status: "pending", method: "card")
        return try BillingEvent(
            PaymentInitiated(payment: payment, paymentMethodId: paymentMethod), timestamp: clock.wallClock.now(), tenantId: tenantId,
            metadata: metadata, idempotencyKey: "initiate-\(paymentId)", correlationId: "corr-\(paymentId)"
        )
    }

    /// Stores `event` and delivers it to the plugin, as its durable subscription would.
    func deliver(_ event: BillingEvent) async throws -> PluginResult {
        let harness = harness
        return try await driven { try await harness.deliver(event) }
    }

    /// The events of `type` the plugin published.
    func published(_ type: BillingEventType) async throws -> [BillingEvent] {
        try await harness.store.events(ofType: type, tenant: .any)
    }

    /// The PaymentIntent id the plugin's request log shows for the create call of `event`.
    func intentId(of event: BillingEvent) async throws -> String {
        let payments = try await published(.paymentCompleted) + published(.paymentFailed) + published(PaymentAuthorized.eventType)
            + published(PaymentRequiresAction.eventType)
        for stored in payments where stored.causationId == event.id {
            if let reference = stored.payload["payment"]?["providerReference"]?.stringValue { return reference }
        }
        throw ExpectationFailure("no outcome of \(event.id) names a PaymentIntent")
    }
}

extension Money {
    /// Money from text such as `"12.50 EUR"`, for tests.
    static func of(_ text: String) -> Money {
        try! Money(parsing: text)
    }
}
