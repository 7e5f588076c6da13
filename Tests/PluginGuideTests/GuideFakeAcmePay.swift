import BillingCore
import Synchronization
import Testing

// MARK: - Test double: a provider for the PaymentPlugin sample (Documentation/PluginGuide.md, "PaymentPlugin")

/// Behaves like a payment provider: a repeated idempotency key returns the first charge.
final class FakeAcmePayClient: AcmePayClient {
    private let state = Mutex(State())

    private struct State {
        var charges: [String: AcmeCharge] = [:]
        var requests: [AcmeChargeRequest] = []
        var failures: [Int] = []
    }

    /// Charges at or above this many minor units are declined.
    let declineFrom: Int64
    let expectedKey: String

    init(declineFrom: Int64 = 1_000_000, expectedKey: String = "sk_test_acme") {
        self.declineFrom = declineFrom
        self.expectedKey = expectedKey
    }

    /// Makes the next calls fail with these HTTP statuses.
    func failNext(_ statuses: Int...) {
        state.withLock { $0.failures += statuses }
    }

    var requests: [AcmeChargeRequest] { state.withLock { $0.requests } }
    /// Distinct charges made (by idempotency key).
    var chargeCount: Int { state.withLock { $0.charges.count } }

    func charge(_ charge: AcmeChargeRequest, apiKey: Secret) async throws -> AcmeCharge {
        guard apiKey.reveal() == expectedKey else { throw AcmePayUnavailable(status: 401) }
        return try state.withLock { state in
            state.requests.append(charge)
            if !state.failures.isEmpty { throw AcmePayUnavailable(status: state.failures.removeFirst()) }
            if let earlier = state.charges[charge.idempotencyKey] { return earlier }
            let approved = charge.amount.minorUnits < declineFrom
            let made = AcmeCharge(id: "ch_\(state.charges.count + 1)", approved: approved, declineCode: approved ? nil : "insufficient_funds")
            state.charges[charge.idempotencyKey] = made
            return made
        }
    }

    func refund(chargeId: String, amount: Money?, idempotencyKey: String, apiKey: Secret) async throws -> AcmeRefund {
        AcmeRefund(id: "re_\(chargeId)", amount: amount ?? .zero(.usd))
    }

    func status(ofPayment paymentId: String, apiKey: Secret) async throws -> String {
        "succeeded"
    }
}

@Suite("Guide: the fake payment provider")
struct GuideFakeAcmePayTests {
    @Test("A repeated idempotency key returns the first charge; queued failures come first; a wrong key is refused")
    func behavesLikeAProvider() async throws {
        let provider = FakeAcmePayClient(declineFrom: 100_00)
        let request = AcmeChargeRequest(amount: Money(minorUnits: 10_00, currency: .usd), paymentMethod: nil, reference: "pay-1", idempotencyKey: "k-1")
        provider.failNext(503)
        await #expect(throws: AcmePayUnavailable.self) { try await provider.charge(request, apiKey: Secret("sk_test_acme")) }
        let first = try await provider.charge(request, apiKey: Secret("sk_test_acme"))
        let again = try await provider.charge(request, apiKey: Secret("sk_test_acme"))
        #expect(first == again && first.approved)
        #expect(provider.chargeCount == 1)
        await #expect(throws: AcmePayUnavailable.self) { try await provider.charge(request, apiKey: Secret("sk_wrong")) }
    }
}
