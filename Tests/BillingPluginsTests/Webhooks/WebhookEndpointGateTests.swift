import BillingCore
@testable import BillingPlugins
import Testing

/// The request slots of webhook delivery: per endpoint, in total (a slot of the total is
/// held only while the request is on the wire), and their release at shutdown.
@Suite("Webhook request slots")
struct WebhookEndpointGateTests {
    @Test("The total limit holds across endpoints; a slot is handed on as soon as a response is in")
    func totalLimit() async throws {
        let gate = WebhookEndpointGate(perEndpoint: 4, total: 2)
        try await gate.beginSending("ep_a", rateLimit: nil)
        try await gate.beginSending("ep_b", rateLimit: nil)
        let third = Task { try await gate.beginSending("ep_c", rateLimit: nil) }
        try await Self.until { gate.waitingForTotal == 1 }
        gate.endSending()
        try await third.value
        #expect(gate.waitingForTotal == 0)
    }

    @Test("An endpoint's messages take turns for its slots; the claim ends with the attempt")
    func perEndpointLimit() async throws {
        let gate = WebhookEndpointGate(perEndpoint: 1, total: 8)
        gate.claimed("ep_a")
        gate.claimed("ep_a")
        #expect(gate.blockedEndpoints() == ["ep_a"], "claims stop at the endpoint's limit")
        try await gate.beginSending("ep_a", rateLimit: nil)
        let second = Task { try await gate.beginSending("ep_a", rateLimit: nil) }
        try await Self.until { gate.waiting(for: "ep_a") == 1 }
        gate.endSending()
        #expect(gate.waiting(for: "ep_a") == 1, "the total's slot is free, the endpoint's is not until the message is settled")
        gate.finished("ep_a", wasSending: true)
        try await second.value
        gate.endSending()
        gate.finished("ep_a", wasSending: true)
        #expect(gate.blockedEndpoints().isEmpty)
    }

    @Test("At shutdown every message waiting for a slot is released with CancellationError")
    func stopReleasesWaiters() async throws {
        let gate = WebhookEndpointGate(perEndpoint: 1, total: 1)
        try await gate.beginSending("ep_a", rateLimit: nil)
        let sameEndpoint = Task { try await gate.beginSending("ep_a", rateLimit: nil) }
        let otherEndpoint = Task { try await gate.beginSending("ep_b", rateLimit: nil) }
        try await Self.until { gate.waiting(for: "ep_a") == 1 && gate.waitingForTotal == 1 }
        gate.stop()
        await #expect(throws: CancellationError.self) { try await sameEndpoint.value }
        await #expect(throws: CancellationError.self) { try await otherEndpoint.value }
    }

    /// Yields until `condition` holds (the other task reached its wait); fails after 10,000 turns.
    static func until(_ condition: () -> Bool) async throws {
        for _ in 0..<10_000 where !condition() { await Task.yield() }
        try #require(condition())
    }
}
