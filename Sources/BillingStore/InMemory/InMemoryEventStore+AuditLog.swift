public import BillingCore
import Foundation

/// The audit log, with the SQL backends' semantics: a chain's head moves only by
/// compare-and-set, times are kept at microsecond precision, queries list newest first.
extension InMemoryEventStore {
    public func auditChainHead(_ chain: String) async throws -> AuditChainHead? {
        try withState { $0.auditHeads[chain] }
    }

    public func auditChainHeads() async throws -> [AuditChainHead] {
        try withState { state in state.auditHeads.values.sorted { $0.chain.utf8.lexicographicallyPrecedes($1.chain.utf8) } }
    }

    public func appendAuditEntries(_ entries: [AuditEntryRecord], after head: AuditChainHead) async throws -> Bool {
        try AuditChainRules.checkContinues(entries, head)
        guard let last = entries.last else { return true }
        return try withState { state in
            if let stored = state.auditHeads[head.chain] {
                guard head.sequence != 0, stored.sequence == head.sequence, stored.hash == head.hash else { return false }
                state.auditHeads[head.chain]?.sequence = last.sequence
                state.auditHeads[head.chain]?.hash = last.hash
            } else {
                guard head.sequence == 0 else { return false }
                state.auditHeads[head.chain] = AuditChainHead(chain: head.chain, sequence: last.sequence, hash: last.hash, prunedHash: head.hash)
            }
            state.auditEntries[head.chain, default: []] += entries.map(Self.normalized)
            return true
        }
    }

    public func auditEntry(eventId: EventID) async throws -> AuditEntryRecord? {
        try withState { state in state.auditEntries.values.joined().first { $0.eventId == eventId } }
    }

    public func auditEntries(chain: String, after sequence: Int64, limit: Int) async throws -> [AuditEntryRecord] {
        guard limit >= 1 else { throw BillingError.invalid("limit", "limit must be at least 1") }
        return try withState { state in Array((state.auditEntries[chain] ?? []).filter { $0.sequence > sequence }.prefix(limit)) }
    }

    public func auditEntries(matching query: AuditQuery, after position: AuditEntryRecord?, limit: Int) async throws -> [AuditEntryRecord] {
        guard limit >= 1 else { throw BillingError.invalid("limit", "limit must be at least 1") }
        let from = query.from.map(Timestamp.normalize)
        let until = query.until.map(Timestamp.normalize)
        let before = position.map { Self.order(Self.normalized($0)) }
        return try withState { state in
            Array(
                state.auditEntries.values.joined()
                    .filter { entry in
                        query.tenant.contains(entry.tenantId) && (query.entityId.map { $0 == entry.entityId } ?? true)
                            && (query.type.map { $0 == entry.type } ?? true) && (query.userId.map { $0 == entry.userId } ?? true)
                            && (from.map { entry.occurredAt >= $0 } ?? true) && (until.map { entry.occurredAt < $0 } ?? true)
                            && (before.map { Self.precedes(Self.order(entry), $0) } ?? true)
                    }
                    .sorted { Self.precedes(Self.order($1), Self.order($0)) }
                    .prefix(limit))
        }
    }

    public func insertAuditCheckpoint(_ checkpoint: AuditCheckpointRecord) async throws {
        try withState { state in
            guard !(state.auditCheckpoints[checkpoint.chain] ?? []).contains(where: { $0.sequence == checkpoint.sequence }) else {
                throw BillingError(.alreadyExists, "Chain \(checkpoint.chain) has a checkpoint at \(checkpoint.sequence) already", field: "sequence")
            }
            var stored = checkpoint
            stored.createdAt = Timestamp.normalize(checkpoint.createdAt)
            state.auditCheckpoints[checkpoint.chain, default: []].append(stored)
            state.auditCheckpoints[checkpoint.chain]?.sort { $0.sequence < $1.sequence }
        }
    }

    public func auditCheckpoints(chain: String) async throws -> [AuditCheckpointRecord] {
        try withState { $0.auditCheckpoints[chain] ?? [] }
    }

    public func lastAuditCheckpoint(chain: String) async throws -> AuditCheckpointRecord? {
        try withState { $0.auditCheckpoints[chain]?.last }
    }

    public func pruneAuditChain(_ chain: String, through sequence: Int64) async throws -> Int {
        try withState { state in
            guard let head = state.auditHeads[chain] else { throw AuditChainRules.unknownChain(chain) }
            let entry = state.auditEntries[chain]?.first { $0.sequence == sequence }
            try AuditChainRules.checkPrune(chain, through: sequence, head: head.sequence, prunedThrough: head.prunedThrough, entryFound: entry != nil)
            state.auditHeads[chain]?.prunedThrough = sequence
            state.auditHeads[chain]?.prunedHash = entry?.hash ?? ""
            state.auditCheckpoints[chain]?.removeAll { $0.sequence < sequence }
            let before = state.auditEntries[chain]?.count ?? 0
            state.auditEntries[chain]?.removeAll { $0.sequence <= sequence }
            return before - (state.auditEntries[chain]?.count ?? 0)
        }
    }

    /// The newest-first order's key: occurrence, then chain (by UTF-8, as SQLite compares), then sequence.
    private static func order(_ entry: AuditEntryRecord) -> (Date, String, Int64) {
        (entry.occurredAt, entry.chain, entry.sequence)
    }

    private static func precedes(_ lhs: (Date, String, Int64), _ rhs: (Date, String, Int64)) -> Bool {
        if lhs.0 != rhs.0 { return lhs.0 < rhs.0 }
        if lhs.1 != rhs.1 { return lhs.1.utf8.lexicographicallyPrecedes(rhs.1.utf8) }
        return lhs.2 < rhs.2
    }

    private static func normalized(_ entry: AuditEntryRecord) -> AuditEntryRecord {
        var entry = entry
        entry.occurredAt = Timestamp.normalize(entry.occurredAt)
        entry.recordedAt = Timestamp.normalize(entry.recordedAt)
        return entry
    }
}
