import BilingusTestSupport
import BillingCore
@testable import BillingPlugins
import BillingTesting
import Testing

/// Manual capture, cancel and refunds, each publishing its event once.
@Suite("Stripe plugin: capture, cancel, refunds")
struct StripeCaptureAndRefundTests {
    /// A payment authorised with manual capture.
    func authorised(_ world: StripeWorld, _ amount: String, id: String) async throws -> BillingEvent {
        let event = try world.initiated(.of(amount), paymentId: id, metadata: ["captureMethod": "manual"])
        let result = try await world.deliver(event)
        #expect(result.shouldContinue)
        return event
    }

    @Test("Manual capture: payment.authorized, then a full capture is payment.completed")
    func fullCapture() async throws {
        let world = try await StripeWorld()
        let event = try await authorised(world, "80.00 EUR", id: "pay-cap")
        let authorized = try #require(try await world.published(PaymentAuthorized.eventType).first).decodePayload(as: PaymentAuthorized.self)
        #expect(authorized.amountCapturable == .of("80.00 EUR"))
        #expect(try await world.plugin.getPaymentStatus("pay-cap") == .authorized)

        let result = try await world.plugin.capture(paymentId: "pay-cap")
        #expect(result.success && result.status == .succeeded)
        let completed = try await world.published(.paymentCompleted)
        #expect(completed.count == 1)
        #expect(completed.first?.causationId == event.id)
        // Capturing again is the same request under the same key: replayed, nothing new.
        _ = try await world.plugin.capture(paymentId: "pay-cap")
        #expect(try await world.published(.paymentCompleted).count == 1)
        #expect(try await world.server.requests().filter { $0.path.hasSuffix("/capture") }.map(\.replayed) == [false, true])
    }

    @Test("A partial capture completes with the captured amount; more than authorised is refused before Stripe")
    func partialCapture() async throws {
        let world = try await StripeWorld()
        _ = try await authorised(world, "80.00 EUR", id: "pay-part")
        let tooMuch = await #expect(throws: BillingError.self) { try await world.plugin.capture(paymentId: "pay-part", amount: .of("80.01 EUR")) }
        #expect(tooMuch?.code == .invalidArgument)
        let otherCurrency = await #expect(throws: BillingError.self) { try await world.plugin.capture(paymentId: "pay-part", amount: .of("10.00 USD")) }
        #expect(otherCurrency?.code == .currencyMismatch)
        #expect(try await world.server.requests().filter { $0.path.hasSuffix("/capture") }.isEmpty)

        _ = try await world.plugin.capture(paymentId: "pay-part", amount: .of("50.00 EUR"))
        let payment = try #require(try await world.published(.paymentCompleted).first).decodePayload(as: PaymentCompleted.self).payment
        #expect(payment.amount == .of("50.00 EUR"))
        let captures = try await world.server.requests().filter { $0.path.hasSuffix("/capture") }
        #expect(captures.first?.params["amount_to_capture"]?.stringValue == "5000")
    }

    @Test("Cancel releases an authorisation as payment.cancelled; capturing it afterwards is refused by Stripe")
    func cancel() async throws {
        let world = try await StripeWorld()
        _ = try await authorised(world, "40.00 EUR", id: "pay-cancel")
        let result = try await world.plugin.cancel(paymentId: "pay-cancel", reason: .abandoned)
        #expect(result.status == .cancelled)
        let cancelled = try #require(try await world.published(PaymentCancelled.eventType).first).decodePayload(as: PaymentCancelled.self)
        #expect(cancelled.reason == "abandoned")
        #expect(try await world.server.requests().first { $0.path.hasSuffix("/cancel") }?.params["cancellation_reason"]?.stringValue == "abandoned")

        let error = await #expect(throws: BillingError.self) { try await world.plugin.capture(paymentId: "pay-cancel") }
        #expect(error?.code == .stripeInvalidRequest)
        #expect((error?.underlying as? StripeError)?.code == "payment_intent_unexpected_state")
        #expect(try await world.published(.paymentCompleted).isEmpty)
    }

    @Test("Full refund: payment.refunded, status refunded")
    func fullRefund() async throws {
        let world = try await StripeWorld()
        _ = try await world.deliver(try world.initiated(.of("25.00 EUR"), paymentId: "pay-refund"))
        let refund = try await world.plugin.refundPayment(RefundRequest(paymentId: "pay-refund", reason: "requested_by_customer", idempotencyKey: "r1"))
        #expect(refund.success && refund.amount == .of("25.00 EUR") && refund.status == .refunded)
        let refunded = try #require(try await world.published(.paymentRefunded).first).decodePayload(as: PaymentRefunded.self)
        #expect(refunded.refundedAmount == .of("25.00 EUR"))
        #expect(refunded.reason == "requested_by_customer")
        #expect(refunded.payment.status == "refunded")
        #expect(try await world.plugin.getPaymentStatus("pay-refund") == .refunded)
    }

    @Test("Partial refunds add up; a retried refund pays nothing more; more than is left is refused before Stripe")
    func partialAndOverRefund() async throws {
        let world = try await StripeWorld()
        _ = try await world.deliver(try world.initiated(.of("30.00 EUR"), paymentId: "pay-parts"))
        let first = try await world.plugin.refundPayment(RefundRequest(paymentId: "pay-parts", amount: .of("10.00 EUR"), idempotencyKey: "r1"))
        #expect(first.status == .partiallyRefunded)
        let retried = try await world.plugin.refundPayment(RefundRequest(paymentId: "pay-parts", amount: .of("10.00 EUR"), idempotencyKey: "r1"))
        #expect(retried.refundId == first.refundId)

        let over = await #expect(throws: BillingError.self) {
            try await world.plugin.refundPayment(RefundRequest(paymentId: "pay-parts", amount: .of("20.01 EUR"), idempotencyKey: "r2"))
        }
        #expect(over?.code == .invalidArgument)
        #expect(over?.message.contains("20.00 EUR") == true)
        let overAgain = await #expect(throws: BillingError.self) {
            try await world.plugin.refundPayment(RefundRequest(paymentId: "pay-parts", amount: .of("20.01 EUR"), idempotencyKey: "r2"))
        }
        #expect(overAgain?.code == .invalidArgument)  // a retry of a refused refund is checked again
        let refundPosts = try await world.server.requests("POST", "/v1/refunds")
        #expect(refundPosts.map(\.replayed) == [false, true])

        let rest = try await world.plugin.refundPayment(RefundRequest(paymentId: "pay-parts", idempotencyKey: "r3"))
        #expect(rest.amount == .of("20.00 EUR") && rest.status == .refunded)
        #expect(try await world.published(.paymentRefunded).count == 2)
        let nothingLeft = await #expect(throws: BillingError.self) {
            try await world.plugin.refundPayment(RefundRequest(paymentId: "pay-parts", amount: .of("0.01 EUR"), idempotencyKey: "r4"))
        }
        #expect(nothingLeft?.message.contains("already refunded") == true)
    }

    @Test("Every PaymentIntent status maps to a PaymentStatus")
    func statusMapping() async throws {
        let world = try await StripeWorld()
        _ = try await world.deliver(try world.initiated(.of("12.00 EUR"), paymentId: "pay-proc", metadata: ["captureMethod": "manual"]))
        let intent = try await world.plugin.paymentIntent(paymentId: "pay-proc", tenantId: nil)
        try await world.server.setProcessing(intent.id)
        #expect(try await world.plugin.getPaymentStatus("pay-proc") == .processing)

        _ = try await world.deliver(try world.initiated(.of("12.00 EUR"), paymentMethod: "pm_card_visa_chargeDeclined", paymentId: "pay-declined"))
        #expect(try await world.plugin.getPaymentStatus("pay-declined") == .failed)
        _ = try await world.deliver(try world.initiated(.of("12.00 EUR"), paymentMethod: "pm_card_authenticationRequired", paymentId: "pay-3ds"))
        #expect(try await world.plugin.getPaymentStatus("pay-3ds") == .requiresAction)
        let missing = await #expect(throws: BillingError.self) { try await world.plugin.getPaymentStatus("pay-never") }
        #expect(missing?.code == .notFound)
    }
}
