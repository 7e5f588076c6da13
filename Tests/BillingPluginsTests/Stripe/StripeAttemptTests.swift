import BillingCore
@testable import BillingPlugins
import Foundation
import Testing

/// The keys an attempt derives: Stripe's idempotency keys and the outcome events' keys.
@Suite("Stripe plugin: attempt keys")
struct StripeAttemptTests {
    let attempt = StripeAttempt(
        attemptId: "01a2b3c4-0000-7000-8000-000000000001", tenantId: "acme", correlationId: nil, fromEvent: true,
        payment: PaymentSnapshot(id: "pay-1", userId: "u", amount: Money(minorUnits: 100, currency: .eur), status: "pending"), startedAt: Date()
    )

    @Test("One key per attempt and operation; the outcome event's key names the plugin")
    func keys() {
        #expect(attempt.idempotencyKey("create") == "bilingus:01a2b3c4-0000-7000-8000-000000000001:create")
        #expect(attempt.idempotencyKey("refund:r1") != attempt.idempotencyKey("refund:r2"))
        #expect(attempt.eventKey("completed") == "stripe-payment:01a2b3c4-0000-7000-8000-000000000001:completed")
    }

    @Test("A key longer than Stripe's 255 characters is hashed, the same way every time")
    func longKeys() {
        let long = attempt.idempotencyKey("refund:" + String(repeating: "x", count: 300))
        #expect(long.count <= 255)
        #expect(long.hasPrefix("bilingus:sha256:"))
        #expect(long == attempt.idempotencyKey("refund:" + String(repeating: "x", count: 300)))
        #expect(long != attempt.idempotencyKey("refund:" + String(repeating: "y", count: 300)))
    }
}
