import BillingCore

/// Appends entries to a chain: reads its head, numbers and hashes the entry after it, and
/// compares and sets; when another append came first it reads the head again. So concurrent
/// appenders (the event subscription, administrative actions, other hosts) keep the chain linear.
struct AuditAppender: Sendable {
    /// Rounds lost to other appenders before giving up: far more than contention makes.
    static let maxRounds = 1_000

    let storage: any AuditLogStore

    /// Appends `draft` (its chain, sequence and hashes are assigned here) to `chain`; returns it as stored.
    func append(_ draft: AuditEntryRecord, to chain: String) async throws -> AuditEntryRecord {
        let start = AuditChainFormat.startHash(of: chain)
        for _ in 0..<Self.maxRounds {
            let head = try await storage.auditChainHead(chain) ?? AuditChainHead(chain: chain, sequence: 0, hash: start, prunedHash: start)
            var entry = draft
            entry.chain = chain
            entry.sequence = head.sequence + 1
            entry.previousHash = head.hash
            guard let hash = AuditChainFormat.hash(entry, after: head.hash) else {
                throw BillingError(.storageCorrupt, "The head of audit chain \(chain) is not a SHA-256 hash", field: "chain")
            }
            entry.hash = hash
            if try await storage.appendAuditEntries([entry], after: head) { return entry }
            await Task.yield()
        }
        throw BillingError(.storageBusy, "Audit chain \(chain) kept moving under \(Self.maxRounds) appends in a row", field: "chain")
    }
}
