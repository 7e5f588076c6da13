public import Foundation

/// An outgoing-webhook endpoint as persisted (the specification's `WebhookEndpoint`
/// model, plus what operators need). Secrets arrive sealed and are stored as given.
public struct WebhookEndpointRecord: Sendable, Hashable {
    /// A stable id (`ep_...`).
    public var id: String
    /// The tenant whose events it receives; `nil` for a host-wide endpoint.
    public var tenantId: String?
    /// Where requests go.
    public var url: String
    /// The event patterns it receives (`invoice.*`, `*`).
    public var eventPatterns: [String]
    /// Whether deliveries go out.
    public var isActive: Bool
    /// Why it was disabled (by an operator, a 410, sustained failure), if it is.
    public var disabledReason: String?
    /// What it is for, for operators.
    public var description: String?
    /// The host's own labels.
    public var metadata: [String: String]
    /// The most requests a second, if limited.
    public var rateLimitPerSecond: Int?
    /// Its signing secrets, sealed: the current one, and any kept through a rotation's grace period.
    public var secrets: [WebhookSecretRecord]
    /// When its failing streak began: the first failed attempt since its last success, if
    /// failing now. What auto-disable after sustained failure measures.
    public var failingSince: Date?
    /// Messages that used up their schedule since its last success.
    public var exhaustedMessages: Int
    /// Grows by one at every update: what ``WebhookEndpointStore/updateWebhookEndpoint(_:expectedVersion:)`` compares.
    public var version: Int64
    /// When it was created.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date

    /// Creates a record.
    public init(
        id: String, tenantId: String?, url: String, eventPatterns: [String], isActive: Bool = true, disabledReason: String? = nil,
        description: String? = nil, metadata: [String: String] = [:], rateLimitPerSecond: Int? = nil, secrets: [WebhookSecretRecord],
        failingSince: Date? = nil, exhaustedMessages: Int = 0, version: Int64 = 1, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.tenantId = tenantId
        self.url = url
        self.eventPatterns = eventPatterns
        self.isActive = isActive
        self.disabledReason = disabledReason
        self.description = description
        self.metadata = metadata
        self.rateLimitPerSecond = rateLimitPerSecond
        self.secrets = secrets
        self.failingSince = failingSince
        self.exhaustedMessages = exhaustedMessages
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// One signing secret of an endpoint, sealed.
public struct WebhookSecretRecord: Sendable, Hashable, Codable {
    /// The sealed secret (a ``SecretSealer``'s output).
    public var sealed: String
    /// When it was created.
    public var createdAt: Date
    /// When it stops being used, for a secret replaced by a rotation; `nil` for the current one.
    public var expiresAt: Date?

    /// Creates a secret record.
    public init(sealed: String, createdAt: Date, expiresAt: Date? = nil) {
        self.sealed = sealed
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// Persistence of outgoing-webhook endpoints.
///
/// The `webhook_endpoints` table has one row per endpoint. Listing is by id, in pages; a
/// tenant's listing never includes another tenant's endpoints or host-wide ones, which must
/// be asked for (``TenantScope/untenanted``).
public protocol WebhookEndpointStore: Sendable {
    /// Stores a new endpoint as given.
    /// - Throws: `already_exists` when an endpoint has its id; nothing is written.
    func insertWebhookEndpoint(_ endpoint: WebhookEndpointRecord) async throws
    /// One endpoint.
    func webhookEndpoint(id: String) async throws -> WebhookEndpointRecord?
    /// The endpoints in `tenant`, by id, at most `limit`, after the id `afterId` (for paging).
    func webhookEndpoints(tenant: TenantScope, after afterId: String?, limit: Int) async throws -> [WebhookEndpointRecord]
    /// Replaces the endpoint if its stored version is `expectedVersion` (compare-and-set), and
    /// returns it as stored, with version `expectedVersion + 1`; `nil` when it is gone or has
    /// another version (nothing was written). The id, tenant and `createdAt` never change.
    func updateWebhookEndpoint(_ endpoint: WebhookEndpointRecord, expectedVersion: Int64) async throws -> WebhookEndpointRecord?
    /// Deletes the endpoint; returns whether there was one.
    func deleteWebhookEndpoint(id: String) async throws -> Bool
}
