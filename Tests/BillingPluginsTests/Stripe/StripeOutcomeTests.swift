import BillingCore
@testable import BillingPlugins
import Testing

/// The one mapping from a PaymentIntent's state to Bilingus's outcome and status.
@Suite("Stripe plugin: status mapping")
struct StripeOutcomeTests {
    func intent(_ status: String, error: JSONValue? = nil, received: Int64 = 0, refunded: Int64? = nil) throws -> StripePaymentIntent {
        var json: [String: JSONValue] = [
            "id": "pi_1", "object": "payment_intent", "status": .string(status), "amount": 1000, "amount_received": .int(received),
            "amount_capturable": 0, "currency": "eur", "metadata": [:],
        ]
        if let error { json["last_payment_error"] = error }
        if let refunded { json["latest_charge"] = ["id": "ch_1", "amount_refunded": .int(refunded)] }
        return try CanonicalJSON.decode(StripePaymentIntent.self, from: .object(JSONObject(json)))
    }

    @Test("Each of Stripe's seven statuses", arguments: [
        ("requires_payment_method", PaymentStatus.pending), ("requires_confirmation", .pending), ("requires_action", .requiresAction),
        ("processing", .processing), ("requires_capture", .authorized), ("succeeded", .succeeded), ("canceled", .cancelled),
    ])
    func statuses(status: String, expected: PaymentStatus) throws {
        #expect(StripeOutcome.paymentStatus(of: try intent(status, received: status == "succeeded" ? 1000 : 0)) == expected)
    }

    @Test("requires_payment_method after a decline is failed with its decline code; after authentication_required, an action")
    func failures() throws {
        let declined = try intent("requires_payment_method", error: ["code": "card_declined", "decline_code": "lost_card", "message": "Your card was declined."])
        #expect(StripeOutcome(declined) == .failed(code: "lost_card", message: "Your card was declined."))
        #expect(StripeOutcome.paymentStatus(of: declined) == .failed)
        let authentication = try intent("requires_payment_method", error: ["code": "authentication_required", "decline_code": "authentication_required"])
        #expect(StripeOutcome(authentication) == .requiresAction(reason: "authentication_required", nextActionType: nil))
    }

    @Test("A captured intent with refunds reads as partially refunded, then refunded")
    func refunds() throws {
        #expect(StripeOutcome.paymentStatus(of: try intent("succeeded", received: 1000, refunded: 400)) == .partiallyRefunded)
        #expect(StripeOutcome.paymentStatus(of: try intent("succeeded", received: 1000, refunded: 1000)) == .refunded)
        #expect(StripeOutcome.paymentStatus(of: try intent("succeeded", received: 1000, refunded: 0)) == .succeeded)
    }

    @Test("Only the outcomes that end something are announced")
    func announced() throws {
        #expect(StripeOutcome(try intent("processing")).eventName == nil)
        #expect(StripeOutcome(try intent("requires_confirmation")).eventName == nil)
        #expect(StripeOutcome(try intent("succeeded")).eventName == "completed")
        #expect(StripeOutcome(try intent("canceled")).eventName == "cancelled")
    }
}
