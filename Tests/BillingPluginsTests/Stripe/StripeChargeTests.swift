import BilingusTestSupport
import BillingCore
@testable import BillingPlugins
import BillingTesting
import Testing

/// `payment.initiated` → Stripe → the outcome event, against the Stripe-API test server.
@Suite("Stripe plugin: charges")
struct StripeChargeTests {
    @Test("A charge publishes payment.completed caused by the initiating event, keyed on it at Stripe")
    func success() async throws {
        let world = try await StripeWorld()
        let event = try world.initiated(.of("42.50 EUR"), paymentId: "pay-ok")
        let result = try await world.deliver(event)
        #expect(result.shouldContinue)

        let completed = try await world.published(.paymentCompleted)
        #expect(completed.count == 1)
        let outcome = try #require(completed.first)
        #expect(outcome.causationId == event.id)
        #expect(outcome.correlationId == "corr-pay-ok")
        let payment = try outcome.decodePayload(as: PaymentCompleted.self).payment
        #expect(payment.status == "succeeded")
        #expect(payment.provider == "stripe")
        #expect(payment.amount == .of("42.50 EUR"))
        #expect(payment.providerReference?.hasPrefix("pi_") == true)

        let creates = try await world.server.requests("POST", "/v1/payment_intents")
        #expect(creates.count == 1)
        let create = try #require(creates.first)
        #expect(create.idempotencyKey == "bilingus:\(event.id):create")
        #expect(create.stripeVersion == StripeSettings.defaultAPIVersion)
        #expect(create.params["amount"]?.stringValue == "4250")
        #expect(create.params["currency"]?.stringValue == "eur")
        #expect(create.params["metadata"]?["bilingus_payment_id"]?.stringValue == "pay-ok")
        #expect(create.params["metadata"]?["bilingus_attempt"]?.stringValue == event.id.description)
        #expect(create.params["description"]?.stringValue == "Payment pay-ok")
        let status = try await world.plugin.getPaymentStatus("pay-ok")
        #expect(status == .succeeded)
    }

    @Test(
        "A decline is payment.failed with the issuer's decline code, and stops the flow",
        arguments: [
            ("pm_card_visa_chargeDeclinedInsufficientFunds", "insufficient_funds"),
            ("pm_card_visa_chargeDeclinedLostCard", "lost_card"),
            ("pm_card_visa_chargeDeclined", "generic_decline"),
        ]
    )
    func declines(paymentMethod: String, declineCode: String) async throws {
        let world = try await StripeWorld()
        let event = try world.initiated(.of("10.00 USD"), paymentMethod: paymentMethod)
        let result = try await world.deliver(event)
        #expect(!result.shouldContinue && result.success)

        let failed = try await world.published(.paymentFailed)
        #expect(failed.count == 1)
        let payload = try #require(failed.first).decodePayload(as: PaymentFailed.self)
        #expect(payload.failureCode == declineCode)
        #expect(payload.payment.providerReference?.hasPrefix("pi_") == true)
        #expect(try await world.published(.paymentCompleted).isEmpty)
        // A decline is an answer, not an error: no retry was made.
        #expect(try await world.server.requests("POST", "/v1/payment_intents").count == 1)
    }

    @Test("After a decline, a new attempt at the same payment gets a new key and can succeed")
    func secondAttemptAfterDecline() async throws {
        let world = try await StripeWorld()
        let first = try world.initiated(.of("10.00 USD"), paymentMethod: "pm_card_visa_chargeDeclined", paymentId: "pay-again")
        _ = try await world.deliver(first)
        var second = try world.initiated(.of("10.00 USD"), paymentMethod: "pm_card_visa", paymentId: "pay-again")
        second = try BillingEvent(
            second.decodePayload(as: PaymentInitiated.self), timestamp: world.clock.wallClock.now(), idempotencyKey: "initiate-pay-again-2"
        )
        let result = try await world.deliver(second)
        #expect(result.shouldContinue)
        let keys = try await world.server.requests("POST", "/v1/payment_intents").map(\.idempotencyKey)
        #expect(keys == ["bilingus:\(first.id):create", "bilingus:\(second.id):create"])
        #expect(try await world.published(.paymentCompleted).count == 1)
    }

    @Test("3-D Secure on-session is payment.requires_action, off-session authentication_required; neither is a failure")
    func threeDSecure() async throws {
        let world = try await StripeWorld()
        let onSession = try world.initiated(.of("30.00 EUR"), paymentMethod: "pm_card_authenticationRequired")
        _ = try await world.deliver(onSession)
        let offSession = try world.initiated(.of("30.00 EUR"), paymentMethod: "pm_card_authenticationRequired", metadata: ["offSession": true])
        _ = try await world.deliver(offSession)

        let actions = try await world.published(PaymentRequiresAction.eventType)
        #expect(actions.count == 2)
        let reasons = try actions.map { try $0.decodePayload(as: PaymentRequiresAction.self) }
        #expect(reasons.map(\.reason) == [PaymentRequiresAction.requiresAction, PaymentRequiresAction.authenticationRequired])
        #expect(reasons.first?.nextActionType == "use_stripe_sdk")
        #expect(try await world.published(.paymentFailed).isEmpty)
        let offParams = try await world.server.requests("POST", "/v1/payment_intents").last?.params
        #expect(offParams?["off_session"]?.stringValue == "true")

        // The host gives the client secret to the customer's browser to finish the step.
        let paymentId = try onSession.decodePayload(as: PaymentInitiated.self).payment.id
        let intent = try await world.plugin.paymentIntent(paymentId: paymentId, tenantId: nil)
        #expect(intent.status == "requires_action")
        #expect(intent.clientSecret?.reveal().contains("_secret_") == true)
        #expect("\(intent)".contains("_secret_") == false)
    }

    @Test("Zero- and three-decimal amounts reach Stripe in its units; one it cannot take fails before any call")
    func currencies() async throws {
        let world = try await StripeWorld()
        _ = try await world.deliver(try world.initiated(Money(minorUnits: 500, currency: .jpy)))
        _ = try await world.deliver(try world.initiated(Money(minorUnits: 1230, currency: .kwd)))
        let amounts = try await world.server.requests("POST", "/v1/payment_intents").map { [$0.params["amount"]?.stringValue, $0.params["currency"]?.stringValue] }
        #expect(amounts == [["500", "jpy"], ["1230", "kwd"]])

        let odd = try world.initiated(Money(minorUnits: 1235, currency: .kwd))
        let result = try await world.deliver(odd)
        #expect(!result.shouldContinue)
        let failed = try #require(try await world.published(.paymentFailed).first).decodePayload(as: PaymentFailed.self)
        #expect(failed.failureCode == "amount_unsupported")
        #expect(try await world.server.requests("POST", "/v1/payment_intents").count == 2)
    }

    @Test("Each tenant pays with its own Stripe key, never another's")
    func tenantKeys() async throws {
        let platform = try StripeTestServer.start()
        let acme = platform.otherAccount()
        let beta = platform.otherAccount()
        let world = try await StripeWorld(
            tenants: ["acme": ["apiKey": .secret(acme.apiKey)], "beta": ["apiKey": .secret(beta.apiKey)]], server: platform
        )
        _ = try await world.deliver(try world.initiated(.of("5.00 EUR"), tenantId: "acme"))
        _ = try await world.deliver(try world.initiated(.of("6.00 EUR"), tenantId: "beta"))
        let acmeCreates = try await acme.requests("POST", "/v1/payment_intents")
        let betaCreates = try await beta.requests("POST", "/v1/payment_intents")
        #expect(acmeCreates.map { $0.params["amount"]?.stringValue } == ["500"])
        #expect(betaCreates.map { $0.params["amount"]?.stringValue } == ["600"])
        #expect(try await platform.requests().isEmpty)
        #expect(acmeCreates.first?.params["metadata"]?["bilingus_tenant"]?.stringValue == "acme")
    }

    @Test("A revoked API key is stripe.authentication, not retried, and the error never holds the key")
    func revokedKey() async throws {
        let world = try await StripeWorld()
        let key = world.server.apiKey
        // Stripe masks the key in its message; a proxy might not, so the plugin redacts it anyway.
        try await world.server.failNext(
            path: "^/v1/payment_intents$", status: 401, error: ["type": "invalid_request_error", "message": .string("Invalid API Key provided: \(key)")]
        )
        let error = await #expect(throws: BillingError.self) { try await world.deliver(try world.initiated(.of("1.00 EUR"))) }
        #expect(error?.code == .stripeAuthentication)
        #expect(error.map { "\($0)" }?.contains(key) == false)
        #expect(error.map { "\($0)" }?.contains("***") == true)
        #expect(try await world.server.requests("POST", "/v1/payment_intents").count == 1)
    }
}

/// Direct charges and keys reused with other parameters.
@Suite("Stripe plugin: direct charges and key reuse")
struct StripeDirectChargeTests {
    @Test("processPayment charges once per idempotency key, publishes nothing, and refuses the key for another payment")
    func directCharge() async throws {
        let world = try await StripeWorld()
        let request = PaymentRequest(paymentId: "pay-direct", userId: "u", amount: .of("7.00 EUR"), paymentMethodId: "pm_card_visa", idempotencyKey: "k1")
        let harness = world.harness
        let first = try await world.driven { try await harness.plugin.processPayment(request) }
        let again = try await world.driven { try await harness.plugin.processPayment(request) }
        #expect(first.success && first.status == .succeeded)
        #expect(again.providerReference == first.providerReference)
        #expect(try await world.server.requests("POST", "/v1/payment_intents").count == 1)
        #expect(try await world.published(.paymentCompleted).isEmpty)

        var changed = request
        changed.amount = .of("8.00 EUR")
        let other = changed
        let error = await #expect(throws: BillingError.self) { try await world.driven { try await harness.plugin.processPayment(other) } }
        #expect(error?.code == .idempotencyConflict)
        #expect(try await world.server.requests("POST", "/v1/payment_intents").count == 1)
    }

    @Test("Direct charges of two tenants under one key are two charges, each on its tenant's account, with the request's metadata")
    func directChargesPerTenant() async throws {
        let platform = try StripeTestServer.start()
        let acme = platform.otherAccount(), beta = platform.otherAccount()
        let world = try await StripeWorld(tenants: ["acme": ["apiKey": .secret(acme.apiKey)], "beta": ["apiKey": .secret(beta.apiKey)]], server: platform)
        let harness = world.harness
        for (tenant, amount) in [("acme", "3.00 EUR"), ("beta", "4.00 EUR")] {
            let request = PaymentRequest(
                paymentId: "pay-\(tenant)", userId: "u", amount: .of(amount), paymentMethodId: "pm_card_visa", idempotencyKey: "order-1",
                metadata: ["order": "1", "captureMethod": "automatic"], tenantId: tenant
            )
            let result = try await world.driven { try await harness.plugin.processPayment(request) }
            #expect(result.success, "\(tenant)")
        }
        let acmeCreate = try #require(try await acme.requests("POST", "/v1/payment_intents").first)
        let betaCreate = try #require(try await beta.requests("POST", "/v1/payment_intents").first)
        #expect(acmeCreate.params["amount"]?.stringValue == "300" && betaCreate.params["amount"]?.stringValue == "400")
        #expect(acmeCreate.params["metadata"]?["order"]?.stringValue == "1")
        #expect(acmeCreate.params["metadata"]?["captureMethod"] == nil)
        #expect(acmeCreate.params["metadata"]?["bilingus_payment_id"]?.stringValue == "pay-acme")
    }

    @Test("Stripe's idempotency_error (a key another host used with other parameters) is thrown, not recorded as a decline")
    func stripeIdempotencyError() async throws {
        let server = try StripeTestServer.start()
        let first = try await StripeWorld(server: server)
        let second = try await StripeWorld(server: server)  // another state store on the same Stripe account
        let event = try first.initiated(.of("10.00 EUR"))
        _ = try await first.deliver(event)
        let clash = try BillingEvent(
            PaymentInitiated(payment: PaymentSnapshot(id: "other", userId: "u", amount: .of("11.00 EUR"), status: "pending"), paymentMethodId: "pm_card_visa"),
            id: event.id
        )
        let error = await #expect(throws: BillingError.self) { try await second.deliver(clash) }
        #expect(error?.code == .stripeIdempotencyError)
        #expect((error?.underlying as? StripeError)?.kind == .idempotency)
        #expect(try await second.published(.paymentFailed).isEmpty)
    }
}
