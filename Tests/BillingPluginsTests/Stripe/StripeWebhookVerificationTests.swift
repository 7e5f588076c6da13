import BilingusTestSupport
import BillingCore
@testable import BillingPlugins
import BillingTesting
import Foundation
import Testing

/// Webhooks the test signs itself, for what the test server cannot send: a secret roll,
/// stale or tampered requests, events out of order, another tenant's intent.
@Suite("Stripe plugin: webhook verification")
struct StripeWebhookVerificationTests {
    static let secret = "whsec_current_\(UUID().uuidString.prefix(8))"
    static let oldSecret = "whsec_previous_\(UUID().uuidString.prefix(8))"

    /// A world with one completed payment; returns it and its intent id.
    func paidWorld(tenants: [String: PluginSettings] = [:]) async throws -> (StripeWorld, BillingEvent, String) {
        let world = try await StripeWorld(
            settings: ["webhookSecret": .secret(Self.secret), "previousWebhookSecret": .secret(Self.oldSecret)], tenants: tenants,
            clock: TestClock(start: Date())
        )
        let event = try world.initiated(.of("9.00 EUR"))
        _ = try await world.deliver(event)
        return (world, event, try await world.intentId(of: event))
    }

    func body(type: String, intentId: String) -> [UInt8] {
        CanonicalJSON.encode([
            "id": .string("evt_\(UUID().uuidString.prefix(12))"), "object": "event", "type": .string(type), "livemode": false,
            "data": ["object": type.hasPrefix("charge.")
                ? ["id": "ch_x", "object": "charge", "payment_intent": .string(intentId)] : ["id": .string(intentId), "object": "payment_intent"]],
        ])
    }

    func headers(_ body: [UInt8], secret: String = secret, at date: Date) -> [(String, String)] {
        [("stripe-signature", StripeWebhookSignature.header(payload: body, secret: Secret(secret), timestamp: date))]
    }

    @Test("During a secret roll, a request signed with the old secret, or with several v1 values, is accepted")
    func secretRoll() async throws {
        let (world, _, intentId) = try await paidWorld()
        let now = world.clock.wallClock.now()
        let oldSigned = body(type: "payment_intent.succeeded", intentId: intentId)
        let receipt = try await world.plugin.receiveWebhook(body: oldSigned, headers: headers(oldSigned, secret: Self.oldSecret, at: now), tenantId: nil)
        #expect(receipt.disposition == .handled(try await world.published(.paymentCompleted).map(\.id)))

        let twoSignatures = body(type: "payment_intent.succeeded", intentId: intentId)
        let good = StripeWebhookSignature.header(payload: twoSignatures, secret: Secret(Self.secret), timestamp: now)
        let wrong = StripeWebhookSignature.header(payload: twoSignatures, secret: Secret("whsec_unknown"), timestamp: now)
        let v1Good = good.split(separator: ",").last!, v1Wrong = wrong.split(separator: ",").last!
        let header = "t=\(Int(now.timeIntervalSince1970)),\(v1Wrong),\(v1Good)"
        let second = try await world.plugin.receiveWebhook(body: twoSignatures, headers: [("Stripe-Signature", header)], tenantId: nil)
        #expect(second.disposition != .duplicate)
    }

    @Test("A stale, tampered, unsigned or wrongly signed request is refused and changes nothing")
    func refused() async throws {
        let (world, _, intentId) = try await paidWorld()
        let now = world.clock.wallClock.now()
        let payload = body(type: "payment_intent.canceled", intentId: intentId)
        var tampered = payload
        tampered[tampered.count - 3] ^= 0x01
        let cases: [(String, [UInt8], [(String, String)])] = [
            ("stale by 301 s", payload, headers(payload, at: now.addingTimeInterval(-301))),
            ("tampered body", tampered, headers(payload, at: now)),
            ("no signature", payload, []),
            ("unknown secret", payload, headers(payload, secret: "whsec_someone_else", at: now)),
        ]
        let stateBefore = try await world.harness.state.list(limit: 1000).count
        for (name, body, headers) in cases {
            let error = await #expect(throws: BillingError.self, "\(name)") {
                try await world.plugin.receiveWebhook(body: body, headers: headers, tenantId: nil)
            }
            #expect(error?.code == .webhookSignatureInvalid, "\(name)")
            #expect(error.map { "\($0)" }?.contains(Self.secret) == false)
        }
        #expect(try await world.harness.state.list(limit: 1000).count == stateBefore)
        #expect(try await world.published(PaymentCancelled.eventType).isEmpty)
        // The same payload, properly signed, is accepted: the refusals were the signature's.
        _ = try await world.plugin.receiveWebhook(body: payload, headers: headers(payload, at: now), tenantId: nil)
    }

    @Test("A tenant with no webhook secret refuses webhooks")
    func noSecret() async throws {
        let world = try await StripeWorld(clock: TestClock(start: Date()))
        let payload = body(type: "payment_intent.succeeded", intentId: "pi_x")
        let error = await #expect(throws: BillingError.self) {
            try await world.plugin.receiveWebhook(body: payload, headers: headers(payload, at: world.clock.wallClock.now()), tenantId: nil)
        }
        #expect(error?.code == .unsupported)
    }

    @Test("Out of order: a late payment_failed for an intent that has since succeeded publishes the success, not a failure")
    func outOfOrder() async throws {
        let (world, _, intentId) = try await paidWorld()
        let late = body(type: "payment_intent.payment_failed", intentId: intentId)
        let receipt = try await world.plugin.receiveWebhook(body: late, headers: headers(late, at: world.clock.wallClock.now()), tenantId: nil)
        #expect(receipt.disposition == .handled(try await world.published(.paymentCompleted).map(\.id)))
        #expect(try await world.published(.paymentFailed).isEmpty)
    }

    @Test("A late webhook after refunds finds the events already stored, though the payment has changed since")
    func lateWebhookAfterRefunds() async throws {
        let (world, event, intentId) = try await paidWorld()
        let paymentId = try event.decodePayload(as: PaymentInitiated.self).payment.id
        _ = try await world.plugin.refundPayment(RefundRequest(paymentId: paymentId, amount: .of("4.00 EUR"), idempotencyKey: "r1"))
        _ = try await world.plugin.refundPayment(RefundRequest(paymentId: paymentId, idempotencyKey: "r2"))
        let now = world.clock.wallClock.now()
        let succeeded = body(type: "payment_intent.succeeded", intentId: intentId)
        let receipt = try await world.plugin.receiveWebhook(body: succeeded, headers: headers(succeeded, at: now), tenantId: nil)
        #expect(receipt.disposition == .handled(try await world.published(.paymentCompleted).map(\.id)))
        let refunded = body(type: "charge.refunded", intentId: intentId)
        let refundReceipt = try await world.plugin.receiveWebhook(body: refunded, headers: headers(refunded, at: now), tenantId: nil)
        let refunds = try await world.published(.paymentRefunded)
        #expect(refunds.count == 2)
        #expect(refundReceipt.disposition == .handled(refunds.reversed().map(\.id)))  // Stripe lists the newest first
    }

    @Test("An intent of another tenant, or one Bilingus did not create, is ignored; other types too")
    func ignored() async throws {
        let (world, _, intentId) = try await paidWorld(tenants: ["acme": ["webhookSecret": .secret(Self.secret)]])
        let now = world.clock.wallClock.now()
        let payload = body(type: "payment_intent.succeeded", intentId: intentId)
        let receipt = try await world.plugin.receiveWebhook(body: payload, headers: headers(payload, at: now), tenantId: "acme")
        guard case .ignored(let reason) = receipt.disposition else { Issue.record("not ignored: \(receipt)"); return }
        #expect(reason.contains("another tenant"))
        let other = body(type: "customer.created", intentId: "cus_1")
        let otherReceipt = try await world.plugin.receiveWebhook(body: other, headers: headers(other, at: now), tenantId: nil)
        #expect(otherReceipt.disposition == .ignored("the plugin does not handle customer.created"))
    }
}
