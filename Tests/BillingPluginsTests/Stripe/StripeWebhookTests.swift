import BilingusTestSupport
import BillingCore
@testable import BillingPlugins
import BillingTesting
import Foundation
import Testing

/// Inbound Stripe webhooks: signed by the test server (localstripe's own signing) or,
/// for what it cannot produce, by the test.
@Suite("Stripe plugin: inbound webhooks")
struct StripeWebhookTests {
    static let secret = "whsec_test_\(UUID().uuidString.prefix(8))"

    func world(settings: PluginSettings = [:]) async throws -> StripeWorld {
        try await StripeWorld(settings: (["webhookSecret": .secret(Self.secret)] as PluginSettings).merging(settings), clock: TestClock(start: Date()))
    }

    func sink(_ world: StripeWorld) async throws -> String {
        let name = "sink\(UUID().uuidString.prefix(8).lowercased())"
        try await world.server.registerWebhookSink(name, secret: Self.secret)
        return name
    }

    @Test("localstripe's signed payment_intent.succeeded is verified and stored once with the charge's own event")
    func succeededEndToEnd() async throws {
        let world = try await world()
        let sink = try await sink(world)
        let event = try world.initiated(.of("12.00 EUR"))
        _ = try await world.deliver(event)
        let intentId = try await world.intentId(of: event)
        let delivery = try await world.server.waitForDelivery(sink, type: "payment_intent.succeeded", intentId: intentId)

        let receipt = try await world.plugin.receiveWebhook(body: delivery.body, headers: delivery.headers, tenantId: nil)
        let completed = try await world.published(.paymentCompleted)
        #expect(completed.count == 1)
        #expect(receipt.disposition == .handled(completed.map(\.id)))
        let again = try await world.plugin.receiveWebhook(body: delivery.body, headers: delivery.headers, tenantId: nil)
        #expect(again.disposition == .duplicate)
    }

    @Test("A webhook completes a payment whose answer was lost, and the redelivery then charges nothing")
    func webhookCompletesLostAnswer() async throws {
        let world = try await world(settings: ["maxRetries": 0])
        let sink = try await sink(world)
        try await world.server.loseNextResponse(path: "^/v1/payment_intents$")
        let event = try world.initiated(.of("64.00 EUR"), paymentId: "pay-lost")
        _ = await #expect(throws: BillingError.self) { try await world.deliver(event) }
        #expect(try await world.published(.paymentCompleted).isEmpty)

        // The plugin never saw the intent's id; the webhook carries the metadata the plugin sent.
        let delivery = try await world.server.waitForDelivery(sink, type: "payment_intent.succeeded", about: "pay-lost") {
            $0["metadata"]?["bilingus_payment_id"]?.stringValue == "pay-lost"
        }
        _ = try await world.plugin.receiveWebhook(body: delivery.body, headers: delivery.headers, tenantId: nil)
        let completed = try await world.published(.paymentCompleted)
        #expect(completed.count == 1)
        #expect(completed.first?.causationId == event.id)

        let harness = world.harness
        _ = try await world.driven { try await harness.redeliver(event) }
        #expect(try await world.server.requests("POST", "/v1/payment_intents").count == 1)
        #expect(try await world.published(.paymentCompleted).count == 1)
    }

    @Test("charge.refunded becomes payment.refunded, once with the refund call's own event")
    func refundedEndToEnd() async throws {
        let world = try await world()
        let sink = try await sink(world)
        let event = try world.initiated(.of("12.00 EUR"), paymentId: "pay-wh-refund")
        _ = try await world.deliver(event)
        _ = try await world.plugin.refundPayment(RefundRequest(paymentId: "pay-wh-refund", amount: .of("2.00 EUR"), idempotencyKey: "r1"))
        let delivery = try await world.server.waitForDelivery(sink, type: "charge.refunded", intentId: try await world.intentId(of: event))
        let receipt = try await world.plugin.receiveWebhook(body: delivery.body, headers: delivery.headers, tenantId: nil)
        let refunded = try await world.published(.paymentRefunded)
        #expect(refunded.count == 1)
        #expect(receipt.disposition == .handled(refunded.map(\.id)))
    }
}
