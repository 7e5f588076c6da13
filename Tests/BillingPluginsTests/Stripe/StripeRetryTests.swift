import BilingusTestSupport
import BillingCore
@testable import BillingPlugins
import BillingTesting
import Testing

/// Retries reuse the attempt's idempotency key, so none charges twice.
@Suite("Stripe plugin: retries and lost answers")
struct StripeRetryTests {
    static let create = "^/v1/payment_intents$"

    @Test("A 500, a 503 and a 409 are retried with the same key, after a back-off", arguments: [500, 409, 503])
    func retriedStatuses(status: Int) async throws {
        let world = try await StripeWorld()
        try await world.server.failNext(path: Self.create, status: status, times: 2)
        let event = try world.initiated(.of("20.00 EUR"))
        let result = try await world.deliver(event)
        #expect(result.shouldContinue)

        let creates = try await world.server.requests("POST", "/v1/payment_intents")
        #expect(creates.map(\.status) == [status, status, 200])
        #expect(Set(creates.map(\.idempotencyKey)) == ["bilingus:\(event.id):create"])
        let waits = world.sleptFor
        #expect(waits.count == 2)
        let operation = ("operation", "create the payment intent")
        let failures = try world.harness.metrics.expectCounter("billing.stripe.requests", [operation, ("outcome", status == 409 ? "idempotency_error" : "api_error")])
        #expect(failures.totalValue == 2)
        #expect(try world.harness.metrics.expectCounter("billing.stripe.requests", [operation, ("outcome", "ok")]).totalValue == 1)
        #expect(waits.allSatisfy { $0 >= .milliseconds(250) && $0 <= .seconds(5) })
        #expect(try await world.published(.paymentCompleted).count == 1)
    }

    @Test("A connection that fails is retried, then reported as stripe.connection")
    func connectionFailure() async throws {
        // Port 9 (discard) on loopback: nothing listens there, so every connect is refused.
        let world = try await StripeWorld(settings: ["connectTimeoutSeconds": 1], server: StripeTestServer(baseURL: "http://127.0.0.1:9", apiKey: "sk_test_unreachable"))
        let event = try BillingEvent(PaymentInitiated(payment: PaymentSnapshot(id: "p", userId: "u", amount: .of("1.00 EUR"), status: "pending")))
        let error = await #expect(throws: BillingError.self) { try await world.deliver(event) }
        #expect(error?.code == .stripeConnection)
        #expect(world.clock.elapsed >= .milliseconds(750))  // two back-offs: about 0.5 s and 1 s, jittered
    }

    @Test("A 429's Retry-After is honoured")
    func retryAfter() async throws {
        let world = try await StripeWorld()
        try await world.server.failNext(path: Self.create, status: 429, headers: ["Retry-After": "3"])
        _ = try await world.deliver(try world.initiated(.of("20.00 EUR")))
        #expect(world.sleptFor.count == 1)
        #expect(world.sleptFor.allSatisfy { $0 >= .seconds(3) })
        #expect(try await world.server.requests("POST", "/v1/payment_intents").map(\.status) == [429, 200])
    }

    @Test("Stripe-Should-Retry: false stops a 500; true retries a 400; another 4xx is never retried")
    func shouldRetryHeader() async throws {
        let world = try await StripeWorld()
        try await world.server.failNext(path: Self.create, status: 500, headers: ["Stripe-Should-Retry": "false"])
        let first = try world.initiated(.of("20.00 EUR"))
        let error = await #expect(throws: BillingError.self) { try await world.deliver(first) }
        #expect(error?.code == .stripeAPIError)
        #expect((error?.underlying as? StripeError)?.requestId?.hasPrefix("req_") == true)

        try await world.server.failNext(path: Self.create, status: 400, headers: ["Stripe-Should-Retry": "true"])
        _ = try await world.deliver(try world.initiated(.of("21.00 EUR")))
        #expect(try await world.server.requests("POST", "/v1/payment_intents").map(\.status) == [500, 400, 200])

        try await world.server.failNext(path: Self.create, status: 400, error: ["type": "invalid_request_error", "message": "Invalid currency", "param": "currency"])
        let refused = try world.initiated(.of("22.00 EUR"))
        _ = try await world.deliver(refused)
        #expect(try await world.server.requests("POST", "/v1/payment_intents").count == 4)
        let failed = try #require(try await world.published(.paymentFailed).first).decodePayload(as: PaymentFailed.self)
        #expect(failed.failureCode == "invalid_request")
    }

    @Test("When the retries run out the delivery throws and the plugin reports Stripe failing; the redelivery uses the same key")
    func retriesRunOut() async throws {
        let world = try await StripeWorld(settings: ["maxRetries": 2])
        try await world.server.failNext(path: Self.create, status: 503, times: 3)
        let event = try world.initiated(.of("20.00 EUR"))
        let error = await #expect(throws: BillingError.self) { try await world.deliver(event) }
        #expect(error?.code == .stripeAPIError)
        let sick = await world.plugin.healthCheck()
        #expect(!sick.isHealthy && sick.detail?.contains("api_error") == true)
        let harness = world.harness
        _ = try await world.driven { try await harness.redeliver(event) }
        #expect(await world.plugin.healthCheck().isHealthy)
        let creates = try await world.server.requests("POST", "/v1/payment_intents")
        #expect(creates.map(\.status) == [503, 503, 503, 200])
        #expect(Set(creates.map(\.idempotencyKey)).count == 1)
        #expect(try await world.published(.paymentCompleted).count == 1)
    }

    @Test("A lost answer after the charge: the retry gets Stripe's replay, one charge, one payment.completed")
    func lostResponse() async throws {
        let world = try await StripeWorld()
        try await world.server.loseNextResponse(path: Self.create)
        let event = try world.initiated(.of("99.00 EUR"))
        _ = try await world.deliver(event)

        let creates = try await world.server.requests("POST", "/v1/payment_intents")
        #expect(creates.map(\.status) == [500, 200])
        #expect(creates.map(\.executed) == [true, false])
        #expect(creates.last?.replayed == true)
        #expect(Set(creates.map(\.idempotencyKey)).count == 1)
        #expect(try await world.published(.paymentCompleted).count == 1)
    }

    @Test("A redelivered payment.initiated reads the recorded intent back: no second charge, no second event")
    func redelivery() async throws {
        let world = try await StripeWorld()
        let event = try world.initiated(.of("15.00 EUR"))
        _ = try await world.deliver(event)
        let harness = world.harness
        let again = try await world.driven { try await harness.redeliver(event) }
        #expect(again.shouldContinue)
        #expect(try await world.server.requests("POST", "/v1/payment_intents").count == 1)
        #expect(try await world.published(.paymentCompleted).count == 1)
    }

    @Test("An attempt whose answer was never recorded is sent again with the same key while Stripe remembers it")
    func unrecordedAttemptIsRepeatedWithTheSameKey() async throws {
        let world = try await StripeWorld()
        let event = try world.initiated(.of("15.00 EUR"))
        // The state a crash after the call and before the record leaves: the attempt, no intent.
        let payment = try event.decodePayload(as: PaymentInitiated.self).payment
        let attempt = StripeAttempt(
            attemptId: event.id.description, tenantId: nil, correlationId: event.correlationId, fromEvent: true, payment: payment,
            startedAt: world.clock.wallClock.now()
        )
        try await world.harness.state.put(StripeAttempt.key(attempt.attemptId), encoding: attempt)
        _ = try await world.deliver(event)
        #expect(try await world.server.requests("POST", "/v1/payment_intents").map(\.idempotencyKey) == ["bilingus:\(event.id):create"])

        // Past Stripe's 24 hours, the plugin refuses to repeat it rather than risk a second charge.
        let late = try world.initiated(.of("16.00 EUR"))
        var stale = attempt
        stale.attemptId = late.id.description
        stale.payment = try late.decodePayload(as: PaymentInitiated.self).payment
        stale.startedAt = world.clock.wallClock.now().addingTimeInterval(-25 * 3600)
        try await world.harness.state.put(StripeAttempt.key(stale.attemptId), encoding: stale)
        let error = await #expect(throws: BillingError.self) { try await world.deliver(late) }
        #expect(error?.code == .stripeAttemptExpired)
        #expect(try await world.server.requests("POST", "/v1/payment_intents").count == 1)
    }
}
