import BillingCore

/// Outgoing-webhook settings: plain values with defaults, as the engine's configuration holds them.
public struct WebhookConfiguration: Sendable {
    /// When failed messages are tried again; Svix's schedule by default.
    public var schedule: WebhookRetrySchedule
    /// How long one request may take, connecting included (default 15 s); longer is a failure.
    public var requestTimeout: Duration
    /// Requests in flight at once, over every endpoint (default 64).
    public var maxConcurrentRequests: Int
    /// Requests in flight at once to one endpoint (default 4).
    public var maxConcurrentRequestsPerEndpoint: Int
    /// Which hosts may be called over plain HTTP and at private addresses; none by default.
    public var addressPolicy: WebhookAddressPolicy
    /// How long a rotated-out secret still signs (default 24 h).
    public var secretGracePeriod: Duration
    /// An endpoint whose every attempt failed for this long is disabled (default 5 days, as Svix).
    public var disableAfterFailingFor: Duration
    /// An endpoint with this many messages exhausted since its last success is disabled
    /// (default `nil`: only the time above counts).
    public var disableAfterExhaustedMessages: Int?
    /// How long an endpoint that answered 429, 502, 503 or 504 without `Retry-After` gets
    /// no new requests (default 30 s).
    public var slowDownPause: Duration
    /// How often the store is asked for due messages when nothing woke the dispatcher (default 1 s).
    public var pollInterval: Duration
    /// How long a claimed message stays this process's: its wait for the endpoint's turn, its
    /// request and its settling must fit (default 90 s, more than ``requestTimeout``). After a
    /// crash, the messages it had claimed are due again once this passes.
    public var claimDuration: Duration
    /// How long delivery attempts are kept in the log (default 30 days; `nil` keeps them).
    public var attemptRetention: Duration?

    /// The defaults.
    public init(
        schedule: WebhookRetrySchedule = .standard,
        requestTimeout: Duration = .seconds(15),
        maxConcurrentRequests: Int = 64,
        maxConcurrentRequestsPerEndpoint: Int = 4,
        addressPolicy: WebhookAddressPolicy = .strict,
        secretGracePeriod: Duration = .seconds(86_400),
        disableAfterFailingFor: Duration = .seconds(5 * 86_400),
        disableAfterExhaustedMessages: Int? = nil,
        slowDownPause: Duration = .seconds(30),
        pollInterval: Duration = .seconds(1),
        attemptRetention: Duration? = .seconds(30 * 86_400),
        claimDuration: Duration = .seconds(90)
    ) {
        self.schedule = schedule
        self.requestTimeout = requestTimeout
        self.maxConcurrentRequests = maxConcurrentRequests
        self.maxConcurrentRequestsPerEndpoint = maxConcurrentRequestsPerEndpoint
        self.addressPolicy = addressPolicy
        self.secretGracePeriod = secretGracePeriod
        self.disableAfterFailingFor = disableAfterFailingFor
        self.disableAfterExhaustedMessages = disableAfterExhaustedMessages
        self.slowDownPause = slowDownPause
        self.pollInterval = pollInterval
        self.attemptRetention = attemptRetention
        self.claimDuration = claimDuration
    }

    /// Checks the values, so a zero limit or a negative time fails the engine's start, not a delivery.
    func validated() throws -> WebhookConfiguration {
        func positive(_ value: Duration, _ field: String) throws {
            guard value > .zero else { throw BillingError.invalid(field, "\(field) must be positive") }
        }
        try positive(requestTimeout, "requestTimeout")
        try positive(secretGracePeriod, "secretGracePeriod")
        try positive(disableAfterFailingFor, "disableAfterFailingFor")
        try positive(pollInterval, "pollInterval")
        guard slowDownPause >= .zero else { throw BillingError.invalid("slowDownPause", "slowDownPause cannot be negative") }
        guard maxConcurrentRequests >= 1 else { throw BillingError.invalid("maxConcurrentRequests", "maxConcurrentRequests must be at least 1") }
        guard maxConcurrentRequestsPerEndpoint >= 1 else {
            throw BillingError.invalid("maxConcurrentRequestsPerEndpoint", "maxConcurrentRequestsPerEndpoint must be at least 1")
        }
        if let count = disableAfterExhaustedMessages, count < 1 {
            throw BillingError.invalid("disableAfterExhaustedMessages", "disableAfterExhaustedMessages must be at least 1, or nil")
        }
        if let retention = attemptRetention { try positive(retention, "attemptRetention") }
        guard claimDuration > requestTimeout else {
            throw BillingError.invalid("claimDuration", "claimDuration must be longer than requestTimeout, or attempts would be claimed twice")
        }
        return self
    }
}
