import Bilingus
import BillingTesting
import Synchronization
import Testing

// MARK: - Sample: steering retries (Documentation/PluginGuide.md, "Retries and dead letters")

/// How the host's webhook receiver answered.
enum WebhookResponse: Sendable, Hashable {
    case accepted
    /// 429, with the receiver's `Retry-After`.
    case rateLimited(retryAfterSeconds: Int64)
    /// A 4xx other than 429: sending the same event again cannot help.
    case rejected(status: Int)
}

/// The network failed: worth retrying, so it is thrown as it is.
struct WebhookUnreachable: Error, CustomStringConvertible {
    var description: String { "The webhook receiver is unreachable" }
}

/// Where the relay posts events. The real one speaks HTTP; tests pass a fake.
protocol WebhookEndpoint: Sendable {
    /// Posts `event`; the receiver deduplicates on `idempotencyKey`.
    func post(_ event: BillingEvent, idempotencyKey: String) async throws -> WebhookResponse
    /// Whether the receiver answers at all, for the health check.
    func isReachable() async -> Bool
}

/// Relays invoice events to the host's webhook receiver.
final class WebhookRelayPlugin: BillingPlugin {
    static let name = "webhook-relay"
    let version = "1.0.0"
    let description = "Posts invoice events to a webhook"
    let author = "Acme Corp"
    var eventPatterns: [EventPattern] { ["invoice.*"] }

    private let endpoint: any WebhookEndpoint

    init(endpoint: any WebhookEndpoint) {
        self.endpoint = endpoint
    }

    func initialize(_ config: PluginConfig) async throws {}

    func execute(_ context: BillingContext) async throws -> PluginResult {
        // At least once: the key is the same for every delivery of this event, so the receiver can deduplicate.
        switch try await endpoint.post(context.event, idempotencyKey: "\(Self.name):\(context.event.id)") {
        case .accepted:
            return .success()
        case .rateLimited(let seconds):
            throw DeliveryError.retry(after: .seconds(seconds), reason: "The webhook receiver is rate limiting")
        case .rejected(let status):
            throw DeliveryError.giveUp(reason: "The webhook receiver rejected the event with status \(status)")
        }
    }

    func shutdown() async throws {}

    func healthCheck() async -> PluginHealth {
        await endpoint.isReachable() ? .healthy : .unhealthy("The webhook receiver is unreachable")
    }
}

// MARK: - Test double

/// A webhook receiver that deduplicates on the idempotency key, as a good one does.
final class FakeWebhookReceiver: WebhookEndpoint {
    private struct State {
        var answer: WebhookResponse? = .accepted  // nil: unreachable
        var posts = 0
        var received: [String] = []
    }

    private let state = Mutex(State())

    /// What it answers from now on; `nil` makes it unreachable.
    func answer(_ response: WebhookResponse?) { state.withLock { $0.answer = response } }
    var posts: Int { state.withLock { $0.posts } }
    /// The idempotency keys it accepted, each once.
    var received: [String] { state.withLock { $0.received } }

    func post(_ event: BillingEvent, idempotencyKey: String) async throws -> WebhookResponse {
        try state.withLock { state in
            state.posts += 1
            guard let answer = state.answer else { throw WebhookUnreachable() }
            if answer == .accepted, !state.received.contains(idempotencyKey) { state.received.append(idempotencyKey) }
            return answer
        }
    }

    func isReachable() async -> Bool { state.withLock { $0.answer != nil } }
}

// MARK: - Tests

@Suite("Guide: retries and dead letters")
struct GuideRetriesAndDeadLettersTests {
    @Test("Each answer steers the retry: accepted, rate limited, rejected, unreachable; a redelivery is deduplicated")
    func directives() async throws {
        let receiver = FakeWebhookReceiver()
        let harness = PluginHarness(plugin: WebhookRelayPlugin(endpoint: receiver))
        try await harness.initialize()
        #expect(try await harness.deliver(InvoicePaid(invoice: Fixture.invoice())) == .success())
        let paid = try #require(harness.recorder.events(of: .invoicePaid).first)
        try await harness.redeliver(paid)
        #expect(receiver.posts == 2 && receiver.received == ["webhook-relay:\(paid.id)"])

        receiver.answer(.rateLimited(retryAfterSeconds: 30))
        let limited = await #expect(throws: DeliveryError.self) { try await harness.redeliver(paid) }
        #expect(limited?.directive == .retry(after: .seconds(30)))
        receiver.answer(.rejected(status: 422))
        let rejected = await #expect(throws: DeliveryError.self) { try await harness.redeliver(paid) }
        #expect(rejected?.directive == .giveUp)
        receiver.answer(nil)
        await #expect(throws: WebhookUnreachable.self) { try await harness.redeliver(paid) }
        #expect(await harness.plugin.healthCheck() == .unhealthy("The webhook receiver is unreachable"))
    }

    @Test("A failing delivery is retried, then dead-lettered; after the fix, the operator redelivers it")
    func deadLetterAndRedeliver() async throws {
        let receiver = FakeWebhookReceiver()
        var configuration = BillingEngine.Configuration()
        configuration.plugins.delivery.retry = RetryPolicy(maxAttempts: 2, initialDelay: .milliseconds(10))
        try await BillingEngine.withEngine(
            configuration, storage: .inMemory, plugins: [.init(installAtStart: [:]) { WebhookRelayPlugin(endpoint: receiver) }]
        ) { engine in
            receiver.answer(nil)
            let paid = try await engine.events.publish(InvoicePaid(invoice: Fixture.invoice())).event
            let subscription = PluginManager.subscriptionName(of: WebhookRelayPlugin.name)
            var letters: [DeadLetter] = []
            _ = try await eventually {
                letters = try await engine.subscriptions.deadLetters(subscription: subscription)
                return !letters.isEmpty
            }
            let letter = try #require(letters.first)
            #expect(letter.attempts == 2)
            #expect(letter.event.id == paid.id)
            #expect(letter.lastError.contains("The webhook receiver is unreachable"))
            let degraded = await engine.health()
            #expect(degraded.status == .degraded)

            receiver.answer(.accepted)
            try await engine.subscriptions.redeliver(deadLetter: letter.id)
            let gone = try await eventually { try await engine.subscriptions.deadLetter(id: letter.id) == nil }
            #expect(gone)
            #expect(receiver.received == ["webhook-relay:\(paid.id)"])
            let healthy = await engine.health()
            #expect(healthy.status == .healthy)
        }
    }

    @Test("giveUp dead-letters at once, without retrying; a discarded dead letter is gone without delivery")
    func giveUpAndDiscard() async throws {
        let receiver = FakeWebhookReceiver()
        receiver.answer(.rejected(status: 422))
        try await BillingEngine.withEngine(storage: .inMemory, plugins: [.init(installAtStart: [:]) { WebhookRelayPlugin(endpoint: receiver) }]) { engine in
            try await engine.events.publish(InvoicePaid(invoice: Fixture.invoice()))
            let subscription = PluginManager.subscriptionName(of: WebhookRelayPlugin.name)
            let deadLettered = try await eventually { try await engine.subscriptions.status(of: subscription).deadLetterCount == 1 }
            #expect(deadLettered)
            let letters = try await engine.subscriptions.deadLetters(subscription: subscription)
            #expect(letters.map(\.attempts) == [1])
            #expect(receiver.posts == 1)
            let discarded = try await engine.subscriptions.discard(.subscription(subscription))
            #expect(discarded == 1)
        }
    }
}
