public import BillingCore
public import Foundation

/// Whose events an endpoint receives.
public enum WebhookEndpointOwner: Sendable, Hashable {
    /// One tenant's events, and no other's.
    case tenant(String)
    /// Every event of every tenant, and those without a tenant: for the host's own systems.
    /// It must be asked for by name, so a missing tenant id never makes one.
    case hostWide

    /// The tenant id as stored: `nil` for a host-wide endpoint.
    var tenantId: String? {
        if case .tenant(let id) = self { return id }
        return nil
    }

    init(tenantId: String?) {
        self = tenantId.map { .tenant($0) } ?? .hostWide
    }
}

/// An outgoing-webhook endpoint as operators see it: everything but its secrets, of which
/// only how many and when they were made show. The secret itself is shown once, in
/// ``CreatedWebhookEndpoint`` and ``WebhookService/rotateSecret(endpointId:grace:secret:)``.
public struct WebhookEndpoint: Sendable, Hashable {
    /// The id (`ep_` and 26 hex digits).
    public var id: String
    /// Whose events it receives.
    public var owner: WebhookEndpointOwner
    /// Where requests go.
    public var url: String
    /// The event types it receives.
    public var eventPatterns: [EventPattern]
    /// Whether deliveries go out.
    public var isActive: Bool
    /// Why it was disabled, if it is.
    public var disabledReason: String?
    /// What it is for.
    public var description: String?
    /// The host's labels.
    public var metadata: [String: String]
    /// The most requests a second, if limited.
    public var rateLimitPerSecond: Int?
    /// When each signing secret was made, newest first: more than one during a rotation's grace period.
    public var secretsCreatedAt: [Date]
    /// Since when every attempt failed, if it is failing now.
    public var failingSince: Date?
    /// When it was created.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date

    init(_ record: WebhookEndpointRecord, now: Date) throws {
        id = record.id
        owner = WebhookEndpointOwner(tenantId: record.tenantId)
        url = record.url
        eventPatterns = try record.eventPatterns.map { try EventPattern($0) }
        isActive = record.isActive
        disabledReason = record.disabledReason
        description = record.description
        metadata = record.metadata
        rateLimitPerSecond = record.rateLimitPerSecond
        secretsCreatedAt = WebhookEndpointSecrets.live(record.secrets, at: now).map(\.createdAt)
        failingSince = record.failingSince
        createdAt = record.createdAt
        updatedAt = record.updatedAt
    }
}

/// A new endpoint and its signing secret, which is shown this once: store it with the receiver.
public struct CreatedWebhookEndpoint: Sendable {
    /// The endpoint.
    public var endpoint: WebhookEndpoint
    /// Its secret (`whsec_…`); redacted wherever it is printed, ``WebhookSecret/reveal()`` gives it.
    public var secret: WebhookSecret
}

/// What a new endpoint is: its URL and the events it wants, and optional operator details.
public struct WebhookEndpointOptions: Sendable, Hashable {
    /// Where requests go: `https` (or `http` to an allow-listed host).
    public var url: String
    /// The event types it receives, `["invoice.*"]` or `["*"]`; at least one.
    public var eventPatterns: [EventPattern]
    /// What it is for.
    public var description: String?
    /// The host's labels.
    public var metadata: [String: String]
    /// The most requests a second, if limited.
    public var rateLimitPerSecond: Int?
    /// The signing secret to use instead of a generated one (say, when moving from another provider).
    public var secret: WebhookSecret?

    /// Creates the options.
    public init(
        url: String, eventPatterns: [EventPattern], description: String? = nil, metadata: [String: String] = [:], rateLimitPerSecond: Int? = nil,
        secret: WebhookSecret? = nil
    ) {
        self.url = url
        self.eventPatterns = eventPatterns
        self.description = description
        self.metadata = metadata
        self.rateLimitPerSecond = rateLimitPerSecond
        self.secret = secret
    }
}

/// A change to an endpoint: each field left `nil` stays as it is.
public struct WebhookEndpointChange: Sendable, Hashable {
    /// A new URL, checked as at creation.
    public var url: String?
    /// New event patterns.
    public var eventPatterns: [EventPattern]?
    /// A new description (`.some(nil)` clears it).
    public var description: String??
    /// New labels, replacing the old ones.
    public var metadata: [String: String]?
    /// A new rate limit (`.some(nil)` removes it).
    public var rateLimitPerSecond: Int??

    /// Creates a change.
    public init(
        url: String? = nil, eventPatterns: [EventPattern]? = nil, description: String?? = nil, metadata: [String: String]? = nil,
        rateLimitPerSecond: Int?? = nil
    ) {
        self.url = url
        self.eventPatterns = eventPatterns
        self.description = description
        self.metadata = metadata
        self.rateLimitPerSecond = rateLimitPerSecond
    }
}
