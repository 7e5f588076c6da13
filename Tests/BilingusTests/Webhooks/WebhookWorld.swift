import BilingusTestSupport
import Bilingus
import Foundation
import Synchronization

/// A wall clock on real time that a test can move forward, so the retry schedule's minutes
/// pass at once while the receiver (which checks timestamps against its own clock, ±5 min)
/// still accepts the requests.
final class JumpingWallClock: Sendable {
    private let offset = Mutex<TimeInterval>(0)

    var wallClock: WallClock {
        WallClock { [self] in Date().addingTimeInterval(offset.withLock { $0 }) }
    }

    func jump(by seconds: TimeInterval) {
        offset.withLock { $0 += seconds }
    }
}

/// What webhook tests share: the receiver, an engine configuration that may call 127.0.0.1
/// over plain HTTP, polls often and retries quickly, and waiting for a message to settle.
enum WebhookWorld {
    static func configuration(
        schedule: WebhookRetrySchedule? = nil, timeout: Duration = .seconds(15), edit: (inout WebhookConfiguration) -> Void = { _ in }
    ) throws -> BillingEngine.Configuration {
        var webhooks = WebhookConfiguration(
            schedule: try schedule ?? WebhookRetrySchedule(delays: [.milliseconds(50), .milliseconds(50)], jitter: 0),
            requestTimeout: timeout, addressPolicy: WebhookAddressPolicy(allowedHosts: ["127.0.0.1"]), slowDownPause: .milliseconds(50),
            pollInterval: .milliseconds(20)
        )
        edit(&webhooks)
        var configuration = BillingEngine.Configuration(webhooks: webhooks)
        configuration.subscriptions.pollInterval = .milliseconds(20)
        return configuration
    }

    /// An invoice event for `tenant`.
    static func invoice(_ id: String, tenant: String?) throws -> BillingEvent {
        let invoice = InvoiceSnapshot(
            id: id, userId: "u-1", number: id, status: "open", subtotal: Money(minorUnits: 1000, currency: .eur), tax: Money(minorUnits: 0, currency: .eur),
            total: Money(minorUnits: 1000, currency: .eur))
        return try BillingEvent(InvoiceGenerated(invoice: invoice, user: UserSnapshot(id: "u-1", email: "a@example.com", name: "A")), tenantId: tenant)
    }

    /// A host's own event type, `shipment.sent`, for `tenant`.
    static func shipment(_ id: String, tenant: String?) throws -> BillingEvent {
        BillingEvent(type: try BillingEventType("shipment.sent"), payload: ["shipmentId": .string(id)], tenantId: tenant)
    }

    /// Polls until `condition` holds or 30 s of real time pass; whether it held.
    static func eventually(within timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return try await condition()
    }

    /// Waits until the fan-out has handled every stored event: the messages it will make exist.
    static func fannedOut(_ engine: BillingEngine) async throws -> Bool {
        try await eventually { try await engine.subscriptions.status(of: WebhookService.fanOutSubscription).lag == 0 }
    }

    /// Waits until the message is settled (succeeded or failed) and returns it.
    static func settled(_ engine: BillingEngine, _ messageId: String, within timeout: Duration = .seconds(30)) async throws -> WebhookMessageRecord? {
        var last: WebhookMessageRecord?
        _ = try await eventually(within: timeout) {
            last = try? await engine.webhooks.message(id: messageId)
            return last.map { $0.status != .pending } ?? false
        }
        return last
    }

    /// The message id of `event` for `endpoint`, as the receiver sees it in `webhook-id`.
    static func messageId(_ event: BillingEvent, _ endpoint: WebhookEndpoint) -> String {
        WebhookService.messageId(eventId: event.id, endpointId: endpoint.id)
    }
}

extension WebhookService {
    /// An endpoint of ours and its twin on the receiver, which knows its secret.
    struct CreatedForTest: Sendable {
        var endpoint: WebhookEndpoint
        var secret: WebhookSecret
        var receiverEndpoint: WebhookTestReceiver.Endpoint
    }

    /// Creates an endpoint on the receiver (answering `faults` first) and ours pointing at it,
    /// sharing one secret; `options.url` is replaced by the receiver's.
    func createEndpoint(
        _ options: WebhookEndpointOptions, for owner: WebhookEndpointOwner, _ receiver: WebhookTestReceiver, faults: [WebhookTestReceiver.Fault] = []
    ) async throws -> CreatedForTest {
        var generator = SystemRandomNumberGenerator()
        let secret = try WebhookSecret.generate(using: &generator)
        let remote = try await receiver.endpoint(secrets: [secret.reveal()])
        if !faults.isEmpty { try await receiver.script(remote, faults: faults) }
        var options = options
        options.url = remote.url
        options.secret = secret
        let created = try await createEndpoint(options, for: owner)
        return CreatedForTest(endpoint: created.endpoint, secret: created.secret, receiverEndpoint: remote)
    }
}
