public import BillingCore
public import Foundation
package import Logging
public import ServiceLifecycle

/// The tamper-evident audit log: every event, recorded once by the durable subscription
/// ``subscription``, and administrative actions, as entries of hash chains (one per tenant,
/// one for everything without a tenant) that ``verify(tenant:)`` walks.
///
/// ``checkpoint()`` states each chain's head, signed with the host's key when it has one, so
/// that a rewrite of the tables is found by whoever holds the key (without a key, a checkpoint
/// only dates a head: someone who can write the tables can rewrite it too).
///
/// As a `Service` (the engine runs it when `Configuration.audit` is set) it checkpoints every
/// `checkpointInterval`, applies the retention, and checkpoints once more at graceful shutdown.
/// The engine records its own administrative actions through `BillingEngine.acting(as:)`.
public final class AuditLog: Service, Sendable {
    /// The durable subscription that records every event.
    public static let subscription = "billing.audit"

    let storage: any BillingStorage
    private let appender: AuditAppender
    private let verifier: AuditVerifier
    private let wallClock: WallClock
    private let signingKey: AuditSigningKey?
    private let checkpointInterval: Duration
    private let retention: Duration?
    private let logger: Logger
    private let clock: any Clock<Duration>

    /// An audit log on `storage`, timing its entries by `wallClock`.
    /// - Parameters:
    ///   - storage: where the chains are kept (the engine's store, so events and their entries live together).
    ///   - signingKey: signs checkpoints; kept outside the database.
    ///   - verificationKeys: what ``verify(tenant:)`` checks checkpoint signatures with: by
    ///     default the signing key's. With any, every checkpoint must be signed by one of them.
    ///   - wallClock: the time entries are recorded at, and actions and checkpoints made at.
    public convenience init(
        storage: any BillingStorage, signingKey: AuditSigningKey? = nil, verificationKeys: [AuditVerificationKey]? = nil, wallClock: WallClock = .system
    ) {
        self.init(
            storage: storage, configuration: AuditConfiguration(signingKey: signingKey, verificationKeys: verificationKeys), logger: .current,
            clock: ContinuousClock(), wallClock: wallClock)
    }

    /// Built by the engine from its configuration.
    package init(storage: any BillingStorage, configuration: AuditConfiguration, logger: Logger, clock: any Clock<Duration>, wallClock: WallClock) {
        self.storage = storage
        signingKey = configuration.signingKey
        appender = AuditAppender(storage: storage)
        verifier = AuditVerifier(storage: storage, keys: configuration.verificationKeys ?? configuration.signingKey.map { [$0.verificationKey] } ?? [])
        checkpointInterval = configuration.checkpointInterval
        retention = configuration.retention
        self.logger = logger
        self.clock = clock
        self.wallClock = wallClock
    }

    /// Checkpoints (and applies the retention) every `checkpointInterval` until graceful
    /// shutdown, then checkpoints once more, so the last head is signed too.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await self.clock.sleep(for: self.checkpointInterval)
                } catch {
                    break
                }
                await self.maintain()
            }
        }
        await maintain(retention: false)
    }

    /// One round of upkeep; a failure is logged and retried at the next round.
    private func maintain(retention applyRetention: Bool = true) async {
        do {
            try await checkpoint()
            if applyRetention, let retention {
                let removed = try await prune(recordedBefore: wallClock.now().adding(.zero - retention))
                if removed > 0 { logger.info("Audit retention removed old entries", metadata: ["billing.audit.entries.removed": "\(removed)"]) }
            }
        } catch {
            logger.error("Audit checkpoint or retention failed; trying again at the next round", error: error)
        }
    }

    /// Subscribes ``subscription`` (all events, from the store's first) on `subscriptions`.
    public func subscribe(on subscriptions: SubscriptionDispatcher) async throws {
        try await subscriptions.subscribe(Self.subscription, to: [.all], options: DurableSubscriptionOptions(startPosition: .beginning)) { event in
            try await self.record(event)
        }
    }

    /// Records `event`, unless an entry records it already (a redelivery); returns its entry.
    @discardableResult
    public func record(_ event: BillingEvent) async throws -> AuditEntryRecord {
        if let recorded = try await storage.auditEntry(eventId: event.id) { return recorded }
        let draft = AuditEntryRecord(
            chain: "", sequence: 0, kind: .event, type: event.type.rawValue, eventId: event.id, tenantId: event.tenantId, userId: event.userId,
            entityId: event.entityId, correlationId: event.correlationId, causationId: event.causationId?.description, occurredAt: event.timestamp,
            recordedAt: wallClock.now(), summary: Self.summary(of: event), eventDigest: AuditChainFormat.digest(of: event), previousHash: "", hash: "")
        return try await appender.append(draft, to: AuditChainFormat.chain(tenantId: event.tenantId))
    }

    /// Records an administrative action taken by `userId` (never put a secret in `details`).
    @discardableResult
    public func record(
        action: String, by userId: String, tenant tenantId: String? = nil, entity entityId: String? = nil, summary: String, details: JSONObject = [:]
    ) async throws -> AuditEntryRecord {
        guard !action.isEmpty, !userId.isEmpty else { throw BillingError.invalid("action", "An audited action needs a name and the user who took it") }
        let now = wallClock.now()
        let draft = AuditEntryRecord(
            chain: "", sequence: 0, kind: .action, type: action, tenantId: tenantId, userId: userId, entityId: entityId, occurredAt: now, recordedAt: now,
            summary: summary, details: details, previousHash: "", hash: "")
        return try await appender.append(draft, to: AuditChainFormat.chain(tenantId: tenantId))
    }

    /// States the head of every chain that moved since its last checkpoint; returns the new checkpoints.
    @discardableResult
    public func checkpoint() async throws -> [AuditCheckpointRecord] {
        var made: [AuditCheckpointRecord] = []
        for head in try await storage.auditChainHeads() {
            let last = try await storage.lastAuditCheckpoint(chain: head.chain)?.sequence ?? 0
            guard head.sequence > last else { continue }
            let message = AuditChainFormat.checkpointMessage(chain: head.chain, sequence: head.sequence, hash: head.hash)
            let checkpoint = AuditCheckpointRecord(
                chain: head.chain, sequence: head.sequence, hash: head.hash, algorithm: signingKey?.algorithm ?? "none", keyId: signingKey?.id,
                signature: try signingKey?.sign(message), createdAt: wallClock.now())
            do {
                try await storage.insertAuditCheckpoint(checkpoint)
                made.append(checkpoint)
            } catch let error as BillingError where error.code == .alreadyExists {
                continue  // another host stated the same head first
            }
        }
        return made
    }

    /// Retention: cuts every chain at its newest checkpoint whose entry was recorded before
    /// `cutoff`, deleting the entries up to it (the checkpoint stays, and the verifier starts
    /// from it). A chain with no such checkpoint is kept whole. Returns how many entries went.
    @discardableResult
    public func prune(recordedBefore cutoff: Date) async throws -> Int {
        var removed = 0
        for head in try await storage.auditChainHeads() {
            for checkpoint in try await storage.auditCheckpoints(chain: head.chain).reversed() where checkpoint.sequence > head.prunedThrough {
                guard let entry = try await storage.auditEntries(chain: head.chain, after: checkpoint.sequence - 1, limit: 1).first,
                    entry.sequence == checkpoint.sequence, entry.hash == checkpoint.hash, entry.recordedAt < cutoff
                else { continue }
                removed += try await storage.pruneAuditChain(head.chain, through: checkpoint.sequence)
                break
            }
        }
        return removed
    }

    /// Walks the chain of `tenantId` (nil: the chain of entries without a tenant).
    public func verify(tenant tenantId: String?) async throws -> AuditVerification {
        try await verifier.verify(chain: AuditChainFormat.chain(tenantId: tenantId))
    }

    /// Walks every chain.
    public func verifyAll() async throws -> [AuditVerification] {
        var results: [AuditVerification] = []
        for head in try await storage.auditChainHeads() { results.append(try await verifier.verify(chain: head.chain)) }
        return results
    }

    /// Entries matching `query`, newest first, in pages (pass the last entry of a page as `after`).
    public func entries(matching query: AuditQuery = AuditQuery(), after position: AuditEntryRecord? = nil, limit: Int = 100) async throws
        -> [AuditEntryRecord]
    {
        try await storage.auditEntries(matching: query, after: position, limit: limit)
    }

    /// `invoice.paid inv-7 (user u-1)`: the type, the entity and the user, when there are.
    static func summary(of event: BillingEvent) -> String {
        var summary = event.type.rawValue
        if let entity = event.entityId { summary += " " + entity }
        if let user = event.userId { summary += " (user \(user))" }
        return summary
    }
}
