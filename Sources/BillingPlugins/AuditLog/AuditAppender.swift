import BillingCore

/// Appends entries to a chain: reads its head, numbers and hashes the entries after it, and
/// compares and sets; when another append came first it reads the head again. So concurrent
/// appenders (the event subscription, administrative actions, other hosts) keep the chain linear.
struct AuditAppender: Sendable {
    /// Rounds lost to other appenders before giving up: far more than contention makes.
    static let maxRounds = 1_000

    let storage: any AuditLogStore

    /// Appends `drafts` (their chain, sequences and hashes are assigned here) to `chain`;
    /// returns them as stored.
    func append(_ drafts: [AuditEntryRecord], to chain: String) async throws -> [AuditEntryRecord] {
        for _ in 0..<Self.maxRounds {
            let start = AuditChainFormat.startHash(of: chain)
            let head = try await storage.auditChainHead(chain) ?? AuditChainHead(chain: chain, sequence: 0, hash: start, prunedHash: start)
            var entries: [AuditEntryRecord] = []
            var previous = head
            for draft in drafts {
                var entry = draft
                entry.chain = chain
                entry.sequence = previous.sequence + 1
                entry.previousHash = previous.hash
                guard let hash = AuditChainFormat.hash(entry, after: previous.hash) else {
                    throw BillingError(.storageCorrupt, "The head of audit chain \(chain) is not a SHA-256 hash", field: "chain")
                }
                entry.hash = hash
                entries.append(entry)
                previous.sequence = entry.sequence
                previous.hash = hash
            }
            if try await storage.appendAuditEntries(entries, after: head) { return entries }
            await Task.yield()
        }
        throw BillingError(.storageBusy, "Audit chain \(chain) kept moving under \(Self.maxRounds) appends in a row", field: "chain")
    }
}
