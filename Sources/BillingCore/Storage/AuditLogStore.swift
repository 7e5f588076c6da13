public import Foundation

/// What an audit entry records: an event, or an administrative action.
public enum AuditEntryKind: String, Sendable, Hashable, Codable {
    /// A stored event (the audit subscription records every one).
    case event
    /// An administrative action, with the acting user the host passed in.
    case action
}

/// One entry of an audit chain, as stored. The chain's hash links it to the entry before:
/// `hash = SHA-256(previousHash ‖ canonical(entry))`, computed by the audit log, checked again
/// by its verifier; the store keeps what it is given and guarantees only that each chain's
/// sequence is unique and gap-free.
public struct AuditEntryRecord: Sendable, Hashable {
    /// The chain: one per tenant, and one for everything without a tenant.
    public var chain: String
    /// Its place in the chain, from 1, without gaps.
    public var sequence: Int64
    /// An event or an action.
    public var kind: AuditEntryKind
    /// The event's type, or the action's name (`plugin.install`, `webhook.secret.rotate`, ...).
    public var type: String
    /// The event recorded (events only).
    public var eventId: EventID?
    /// The tenant.
    public var tenantId: String?
    /// The event's user, or the user who acted.
    public var userId: String?
    /// The entity the event or action is about.
    public var entityId: String?
    /// The event's correlation id.
    public var correlationId: String?
    /// The event's causation id.
    public var causationId: String?
    /// When the event happened, or the action was taken.
    public var occurredAt: Date
    /// When the audit log recorded it.
    public var recordedAt: Date
    /// A short human summary.
    public var summary: String
    /// Hex SHA-256 of the event's canonical bytes (events only): ties the entry to the stored event.
    public var eventDigest: String?
    /// An action's details (never a secret).
    public var details: JSONObject
    /// The hash of the entry before (of the chain's start for the first).
    public var previousHash: String
    /// This entry's hash.
    public var hash: String

    /// An entry as the audit log builds it.
    public init(
        chain: String, sequence: Int64, kind: AuditEntryKind, type: String, eventId: EventID? = nil, tenantId: String?, userId: String? = nil,
        entityId: String? = nil, correlationId: String? = nil, causationId: String? = nil, occurredAt: Date, recordedAt: Date, summary: String,
        eventDigest: String? = nil, details: JSONObject = [:], previousHash: String, hash: String
    ) {
        self.chain = chain
        self.sequence = sequence
        self.kind = kind
        self.type = type
        self.eventId = eventId
        self.tenantId = tenantId
        self.userId = userId
        self.entityId = entityId
        self.correlationId = correlationId
        self.causationId = causationId
        self.occurredAt = occurredAt
        self.recordedAt = recordedAt
        self.summary = summary
        self.eventDigest = eventDigest
        self.details = details
        self.previousHash = previousHash
        self.hash = hash
    }
}

/// Where a chain ends, and where it starts after retention cut it.
public struct AuditChainHead: Sendable, Hashable {
    /// The chain.
    public var chain: String
    /// The last entry's sequence (0 while empty).
    public var sequence: Int64
    /// The last entry's hash (the chain's start hash while empty).
    public var hash: String
    /// Entries up to this sequence were removed by retention (0: none).
    public var prunedThrough: Int64
    /// The hash of the entry at `prunedThrough`: the previous hash of the first entry kept.
    public var prunedHash: String

    /// A head as stored.
    public init(chain: String, sequence: Int64, hash: String, prunedThrough: Int64 = 0, prunedHash: String) {
        self.chain = chain
        self.sequence = sequence
        self.hash = hash
        self.prunedThrough = prunedThrough
        self.prunedHash = prunedHash
    }
}

/// A signed (or unsigned) statement of a chain's head at a time, made periodically, so a
/// rewrite of the table cannot recompute the chain unnoticed by whoever holds the key.
public struct AuditCheckpointRecord: Sendable, Hashable {
    /// The chain.
    public var chain: String
    /// The sequence of the entry it covers.
    public var sequence: Int64
    /// That entry's hash.
    public var hash: String
    /// `hmac-sha256`, `ed25519`, or `none`.
    public var algorithm: String
    /// The key's id, when signed.
    public var keyId: String?
    /// The signature (base64), when signed.
    public var signature: String?
    /// When it was made.
    public var createdAt: Date

    /// A checkpoint as the audit log makes it.
    public init(chain: String, sequence: Int64, hash: String, algorithm: String, keyId: String? = nil, signature: String? = nil, createdAt: Date) {
        self.chain = chain
        self.sequence = sequence
        self.hash = hash
        self.algorithm = algorithm
        self.keyId = keyId
        self.signature = signature
        self.createdAt = createdAt
    }
}

/// What to look for in the audit log; every field given must match.
public struct AuditQuery: Sendable, Hashable {
    /// Entries of this tenant's chain (`nil`: every chain).
    public var tenant: TenantScope
    /// About this entity.
    public var entityId: String?
    /// Of this event type or action name.
    public var type: String?
    /// By or for this user.
    public var userId: String?
    /// Occurred at or after.
    public var from: Date?
    /// Occurred before.
    public var until: Date?

    /// A query; nothing given matches every entry.
    public init(tenant: TenantScope = .any, entityId: String? = nil, type: String? = nil, userId: String? = nil, from: Date? = nil, until: Date? = nil) {
        self.tenant = tenant
        self.entityId = entityId
        self.type = type
        self.userId = userId
        self.from = from
        self.until = until
    }
}

/// Persistence of the audit log: chains of entries whose sequence each store keeps unique and
/// gap-free, appended only through a compare-and-set on the chain's head (so concurrent
/// appends keep each chain linear, on one host or several), checkpoints, queries, and
/// retention that cuts a chain's start.
public protocol AuditLogStore: Sendable {
    /// The chain's head; nil for a chain never appended to.
    func auditChainHead(_ chain: String) async throws -> AuditChainHead?
    /// Every chain's head, by chain.
    func auditChainHeads() async throws -> [AuditChainHead]
    /// Appends `entries`, all of `head.chain`, with sequences `head.sequence + 1` onwards and the
    /// first one's `previousHash` equal to `head.hash`, if the chain's head is still `head`
    /// (or, for `head.sequence == 0`, the chain is still new); returns whether it did. Nothing
    /// is written when it returns false.
    /// - Throws: `invalid.argument` for entries that do not continue `head`.
    func appendAuditEntries(_ entries: [AuditEntryRecord], after head: AuditChainHead) async throws -> Bool
    /// The entry that records event `eventId`, in any chain; nil when none does (so a
    /// redelivered event is recorded once).
    func auditEntry(eventId: EventID) async throws -> AuditEntryRecord?
    /// A chain's entries in sequence order, after `sequence`, at most `limit`.
    func auditEntries(chain: String, after sequence: Int64, limit: Int) async throws -> [AuditEntryRecord]
    /// Entries matching `query`, newest first (by occurrence, then chain and sequence), at most
    /// `limit`, those after `position` (the last one of the page before) when given.
    func auditEntries(matching query: AuditQuery, after position: AuditEntryRecord?, limit: Int) async throws -> [AuditEntryRecord]
    /// Stores a checkpoint; a second one for the same (chain, sequence) replaces nothing and is refused.
    /// - Throws: `already_exists`.
    func insertAuditCheckpoint(_ checkpoint: AuditCheckpointRecord) async throws
    /// A chain's checkpoints in sequence order.
    func auditCheckpoints(chain: String) async throws -> [AuditCheckpointRecord]
    /// A chain's newest checkpoint (what a periodic checkpoint compares the head with); nil for none.
    func lastAuditCheckpoint(chain: String) async throws -> AuditCheckpointRecord?
    /// Retention: removes the chain's entries up to `sequence` and the checkpoints before it,
    /// recording the cut (that entry's sequence and hash) in the head, in one transaction;
    /// returns how many entries went.
    /// - Throws: `invalid.argument` when `sequence` is past the head, not above the last cut, or
    ///   names no stored entry; `not_found` for an unknown chain.
    func pruneAuditChain(_ chain: String, through sequence: Int64) async throws -> Int
}
