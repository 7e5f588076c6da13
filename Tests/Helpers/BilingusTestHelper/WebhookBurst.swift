import Bilingus
import Foundation
import Logging

/// What `webhook-burst` needs: the SQLite file, the receiver endpoint and its secret, and how many events.
struct WebhookBurst {
    var path: String
    var url: String
    var secret: String
    var count: Int

    init?(_ arguments: ArraySlice<String>) {
        let values = Array(arguments)
        guard values.count == 4, let count = Int(values[3]), count > 0 else { return nil }
        (path, url, secret, self.count) = (values[0], values[1], values[2], count)
    }
}

/// `count` events delivered to one host-wide endpoint on a SQLite file, for the webhook crash
/// test: it creates the endpoint on first run, publishes `test.job` events idempotently (as far
/// as the test's gate allows), reports each message found delivered as `delivered <webhook-id>`,
/// and returns once all are, reporting `settled <n>`. The test kills it at random meanwhile.
func webhookBurst(_ burst: WebhookBurst, logger: Logger) async throws {
    var configuration = BillingEngine.Configuration()
    configuration.subscriptions.leaseDuration = .seconds(2)
    configuration.subscriptions.pollInterval = .milliseconds(20)
    // One request at a time, a short claim: a kill repeats at most the one in flight, soon.
    configuration.webhooks = WebhookConfiguration(
        schedule: try WebhookRetrySchedule(delays: [.milliseconds(100), .milliseconds(100), .milliseconds(100)], jitter: 0), requestTimeout: .seconds(3),
        maxConcurrentRequestsPerEndpoint: 1, addressPolicy: WebhookAddressPolicy(allowedHosts: ["127.0.0.1"]), pollInterval: .milliseconds(20),
        claimDuration: .seconds(5)
    )
    try await BillingEngine.withEngine(configuration, storage: .sqlite(path: burst.path), logger: logger) { engine in
        let endpoint: WebhookEndpoint
        if let existing = try await engine.webhooks.endpoints(tenant: .any).first {
            endpoint = existing
        } else {
            let options = WebhookEndpointOptions(url: burst.url, eventPatterns: ["test.*"], rateLimitPerSecond: 20, secret: try WebhookSecret(burst.secret))
            endpoint = try await engine.webhooks.createEndpoint(options, for: .hostWide).endpoint
        }
        var reported = Set<String>()
        var published = 0
        let gate = BurstGate(database: burst.path)
        while true {
            while published < burst.count, gate.allows(published) {
                let event = BillingEvent(type: jobType, payload: ["n": .int(Int64(published))], idempotencyKey: "job-\(published)")
                try await engine.events.publish(event)
                published += 1
            }
            var delivered: [WebhookMessageRecord] = []
            var after: String?
            repeat {
                let page = try await engine.webhooks.messages(endpointId: endpoint.id, status: .succeeded, after: after, limit: 500)
                delivered += page
                after = page.count == 500 ? page.last?.id : nil
            } while after != nil
            for message in delivered where reported.insert(message.id).inserted { report("delivered \(message.id)") }
            if published == burst.count, reported.count == burst.count { break }
            try gate.checkWorthWaiting(for: "\(reported.count) of \(burst.count) webhooks were delivered")
            try await Task.sleep(for: .milliseconds(10))
        }
        report("settled \(reported.count)")
    }
}
