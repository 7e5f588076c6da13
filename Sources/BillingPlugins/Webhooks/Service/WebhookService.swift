public import BillingCore
import Foundation
package import Logging
package import CoreMetrics
public import ServiceLifecycle

/// Outgoing webhooks, `engine.webhooks`: endpoints per tenant with event filters, signed
/// deliveries on a retry schedule of days, the delivery log, redelivery and auto-disable.
///
/// As a `Service` it subscribes the fan-out (durable subscription ``fanOutSubscription``,
/// which turns each event into one message per matching active endpoint) and runs the
/// delivery of those messages until graceful shutdown.
public final class WebhookService: Service, Sendable {
    /// The durable subscription that fans events out to endpoints.
    public static let fanOutSubscription = "billing.webhooks"

    /// The settings it runs with.
    public let configuration: WebhookConfiguration

    let storage: any BillingStorage
    let publisher: any EventPublisher
    let subscriptions: SubscriptionDispatcher
    let secrets: WebhookEndpointSecrets
    let urlGuard: WebhookURLGuard
    let wallClock: WallClock
    let logger: Logger
    let dispatcher: WebhookDispatcher
    private let fanOutSubscribed = Locked(false)

    /// Built by the engine.
    package convenience init(
        configuration: WebhookConfiguration, storage: any BillingStorage, publisher: any EventPublisher, subscriptions: SubscriptionDispatcher,
        sealer: any SecretSealer, logger: Logger, metricsFactory: (any MetricsFactory)?, clock: any Clock<Duration>, wallClock: WallClock
    ) throws {
        try self.init(
            configuration: configuration, storage: storage, publisher: publisher, subscriptions: subscriptions, sealer: sealer, logger: logger,
            metricsFactory: metricsFactory, clock: clock, wallClock: wallClock, resolver: .system)
    }

    /// With a host-name resolver of the test's (DNS rebinding).
    init(
        configuration: WebhookConfiguration, storage: any BillingStorage, publisher: any EventPublisher, subscriptions: SubscriptionDispatcher,
        sealer: any SecretSealer, logger: Logger, metricsFactory: (any MetricsFactory)?, clock: any Clock<Duration>, wallClock: WallClock,
        resolver: WebhookHostResolver
    ) throws {
        self.configuration = try configuration.validated()
        self.storage = storage
        self.publisher = publisher
        self.subscriptions = subscriptions
        secrets = WebhookEndpointSecrets(sealer: sealer)
        urlGuard = WebhookURLGuard(policy: configuration.addressPolicy, resolver: resolver)
        self.wallClock = wallClock
        self.logger = logger
        dispatcher = WebhookDispatcher(
            configuration: self.configuration, storage: storage, publisher: publisher, secrets: secrets, urlGuard: urlGuard,
            sender: WebhookSender(timeout: self.configuration.requestTimeout), logger: logger,
            metrics: WebhookMetrics(factory: metricsFactory ?? MetricsSystem.factory), clock: clock, wallClock: wallClock
        )
    }

    // MARK: - Endpoints

    /// Creates an endpoint, after the SSRF guard accepted its URL, and returns it with its
    /// secret, shown this once.
    /// - Parameters:
    ///   - options: its URL, event patterns and operator details.
    ///   - owner: whose events it receives; `.hostWide` must be asked for by name.
    /// - Throws: `invalid.argument` (no patterns, a bad rate limit), `webhook.url_refused`,
    ///   `webhook.url_unresolvable`; nothing is stored then.
    public func createEndpoint(_ options: WebhookEndpointOptions, for owner: WebhookEndpointOwner) async throws -> CreatedWebhookEndpoint {
        try Self.check(patterns: options.eventPatterns, rateLimit: options.rateLimitPerSecond)
        if case .tenant(let id) = owner, id.isEmpty { throw BillingError.invalid("owner", "A tenant id cannot be empty; use .hostWide for a host-wide endpoint") }
        _ = try await urlGuard.check(options.url)
        var generator = SystemRandomNumberGenerator()
        let secret = try options.secret ?? WebhookSecret.generate(using: &generator)
        let id = "ep_" + Self.randomHex(bytes: 13, using: &generator)
        let now = wallClock.now()
        let record = WebhookEndpointRecord(
            id: id, tenantId: owner.tenantId, url: options.url, eventPatterns: options.eventPatterns.map(\.description),
            description: options.description, metadata: options.metadata, rateLimitPerSecond: options.rateLimitPerSecond,
            secrets: [try secrets.seal(secret, endpointId: id, at: now)], createdAt: now, updatedAt: now
        )
        try await storage.insertWebhookEndpoint(record)
        logger.info("Webhook endpoint created", metadata: ["billing.webhook.endpoint": "\(id)", "billing.tenant": "\(owner.tenantId ?? "-")"])
        return CreatedWebhookEndpoint(endpoint: try WebhookEndpoint(record, now: now), secret: secret)
    }

    /// One endpoint.
    /// - Throws: `not_found`.
    public func endpoint(id: String) async throws -> WebhookEndpoint {
        try WebhookEndpoint(try await record(id), now: wallClock.now())
    }

    /// The endpoints of `tenant`, by id, in pages: `.tenant(id)` lists that tenant's only,
    /// `.untenanted` the host-wide ones, `.any` every one.
    public func endpoints(tenant: TenantScope, after afterId: String? = nil, limit: Int = 100) async throws -> [WebhookEndpoint] {
        let now = wallClock.now()
        return try await storage.webhookEndpoints(tenant: tenant, after: afterId, limit: limit).map { try WebhookEndpoint($0, now: now) }
    }

    /// Changes an endpoint's URL (checked again), patterns, description, labels or rate limit.
    /// - Throws: `not_found`, and what ``createEndpoint(_:for:)`` throws for bad values.
    @discardableResult
    public func updateEndpoint(id: String, _ change: WebhookEndpointChange) async throws -> WebhookEndpoint {
        try Self.check(patterns: change.eventPatterns ?? [.all], rateLimit: change.rateLimitPerSecond ?? nil)
        if let url = change.url { _ = try await urlGuard.check(url) }
        return try await mutate(id) { record in
            if let url = change.url { record.url = url }
            if let patterns = change.eventPatterns { record.eventPatterns = patterns.map(\.description) }
            if let description = change.description { record.description = description }
            if let metadata = change.metadata { record.metadata = metadata }
            if let limit = change.rateLimitPerSecond { record.rateLimitPerSecond = limit }
        }
    }

    /// Deletes an endpoint with its messages and their log.
    /// - Throws: `not_found`.
    public func deleteEndpoint(id: String) async throws {
        guard try await storage.deleteWebhookEndpoint(id: id) else { throw Self.notFound(id) }
        logger.info("Webhook endpoint deleted", metadata: ["billing.webhook.endpoint": "\(id)"])
    }

    /// Enables an endpoint again, forgetting its failure streak. Messages that failed while it
    /// was disabled stay failed: ``redeliverFailed(endpointId:since:)`` sends them.
    @discardableResult
    public func enableEndpoint(id: String) async throws -> WebhookEndpoint {
        try await mutate(id) { record in
            record.isActive = true
            record.disabledReason = nil
            record.failingSince = nil
            record.exhaustedMessages = 0
        }
    }

    /// Stops deliveries to an endpoint; its due messages fail with `reason` instead of being sent.
    @discardableResult
    public func disableEndpoint(id: String, reason: String = "Disabled by an operator") async throws -> WebhookEndpoint {
        try await mutate(id) { record in
            record.isActive = false
            record.disabledReason = reason
        }
    }

    /// Gives an endpoint a new signing secret and returns it, shown this once. The old one
    /// keeps signing beside it for `grace` (the configuration's 24 h by default), so the
    /// receiver can switch without losing a request.
    public func rotateSecret(endpointId: String, grace: Duration? = nil, secret: WebhookSecret? = nil) async throws -> WebhookSecret {
        let grace = grace ?? configuration.secretGracePeriod
        guard grace >= .zero else { throw BillingError.invalid("grace", "A grace period cannot be negative") }
        var generator = SystemRandomNumberGenerator()
        let new = try secret ?? WebhookSecret.generate(using: &generator)
        _ = try await mutate(endpointId) { record in
            let now = wallClock.now()
            record.secrets = secrets.rotated(record.secrets, adding: try secrets.seal(new, endpointId: record.id, at: now), grace: grace, at: now)
        }
        logger.info("Webhook endpoint secret rotated", metadata: ["billing.webhook.endpoint": "\(endpointId)", "billing.grace": "\(grace)"])
        return new
    }

    /// Publishes a `webhook.test` event (``WebhookTestEvent``) that only this endpoint
    /// receives, and returns the id of its message (the `webhook-id` the receiver sees).
    public func sendTestEvent(endpointId: String) async throws -> String {
        let record = try await record(endpointId)
        let stored = try await publisher.publish(WebhookTestEvent(endpointId: endpointId), tenantId: record.tenantId)
        return WebhookPayload.messageId(eventId: stored.event.id, endpointId: endpointId)
    }

    /// The `webhook-id` of `eventId`'s message to `endpointId`: the same on every attempt,
    /// the receiver's deduplication key.
    public static func messageId(eventId: EventID, endpointId: String) -> String {
        WebhookPayload.messageId(eventId: eventId, endpointId: endpointId)
    }

    // MARK: - Service

    /// Registers the fan-out subscription. The engine calls it while starting, before any
    /// publish can happen: the subscription starts at the store's end when it is new, so an
    /// event published before it existed would never reach an endpoint.
    package func subscribeFanOut() async throws {
        guard fanOutSubscribed.withLock({ subscribed in
            defer { subscribed = true }
            return !subscribed
        }) else { return }
        let fanOut = WebhookFanOut(storage: storage, now: wallClock, wake: dispatcher.wake)
        try await subscriptions.subscribe(Self.fanOutSubscription, to: [.all], options: DurableSubscriptionOptions(startPosition: .end)) { event in
            try await fanOut.handle(event)
        }
    }

    /// Subscribes the fan-out (unless the engine did) and delivers messages until graceful
    /// shutdown, letting the requests in flight finish (up to their timeout).
    public func run() async throws {
        try await subscribeFanOut()
        try await dispatcher.run()
    }

    // MARK: - Internals

    func record(_ id: String) async throws -> WebhookEndpointRecord {
        guard let record = try await storage.webhookEndpoint(id: id) else { throw Self.notFound(id) }
        return record
    }

    /// Changes an endpoint by compare-and-set and wakes delivery, which may now claim for it.
    func mutate(_ id: String, _ change: (inout WebhookEndpointRecord) throws -> Void) async throws -> WebhookEndpoint {
        guard let (stored, _) = try await storage.changeWebhookEndpoint(id: id, at: wallClock, { record in
            try change(&record)
            return true
        }) else { throw Self.notFound(id) }
        dispatcher.wake.notify()
        return try WebhookEndpoint(stored, now: wallClock.now())
    }

    static func notFound(_ id: String) -> BillingError {
        BillingError(.notFound, "No webhook endpoint has id \(id)", field: "id")
    }

    private static func check(patterns: [EventPattern], rateLimit: Int?) throws {
        guard !patterns.isEmpty else { throw BillingError.invalid("eventPatterns", "An endpoint needs at least one event pattern, such as \"*\"") }
        if let rateLimit, rateLimit < 1 { throw BillingError.invalid("rateLimitPerSecond", "A rate limit must be at least 1 request a second") }
    }

    private static func randomHex(bytes: Int, using generator: inout some RandomNumberGenerator) -> String {
        (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}
