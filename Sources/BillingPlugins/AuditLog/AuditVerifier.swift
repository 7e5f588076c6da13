import BillingCore

/// Walks a chain from its start (or its retention cut) to its head, recomputing every hash,
/// and stops at the first entry that is changed, missing, out of order, or whose event was
/// changed or deleted, or at a checkpoint that does not match.
struct AuditVerifier: Sendable {
    /// Entries read at a time.
    static let page = 500
    /// How far ahead a broken link is looked for, to tell a reordering from an edit.
    static let reorderWindow = 16

    let storage: any BillingStorage
    /// Checkpoint keys by id; with any, every checkpoint must be signed by one of them.
    let keys: [String: AuditVerificationKey]

    init(storage: any BillingStorage, keys: [AuditVerificationKey]) {
        self.storage = storage
        self.keys = Dictionary(keys.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    func verify(chain: String) async throws -> AuditVerification {
        var result = AuditVerification(chain: chain, entries: 0, checkpoints: 0, problem: nil)
        guard let head = try await storage.auditChainHead(chain) else { return result }
        let checkpoints = Dictionary(try await storage.auditCheckpoints(chain: chain).map { ($0.sequence, $0) }, uniquingKeysWith: { first, _ in first })
        var expected = head.prunedThrough + 1
        var previous = head.prunedThrough == 0 ? AuditChainFormat.startHash(of: chain) : head.prunedHash
        if head.prunedThrough > 0 {
            // Retention cuts only at a checkpoint: the cut must be one, stating the hash the chain goes on from.
            guard let cut = checkpoints[head.prunedThrough], cut.hash == head.prunedHash else {
                result.problem = AuditProblem(
                    kind: .checkpointMismatch, sequence: head.prunedThrough, message: "The chain was cut at \(head.prunedThrough), where no checkpoint states its hash")
                return result
            }
            if let problem = checkSignature(of: cut) {
                result.problem = problem
                return result
            }
            result.checkpoints += 1
        }
        while true {
            let entries = try await storage.auditEntries(chain: chain, after: expected - 1, limit: Self.page)
            for entry in entries {
                if let problem = try await check(entry, expected: expected, previous: previous, checkpoint: checkpoints[entry.sequence]) {
                    result.problem = problem
                    return result
                }
                result.entries += 1
                if checkpoints[entry.sequence] != nil { result.checkpoints += 1 }
                previous = entry.hash
                expected += 1
            }
            if entries.count < Self.page { break }
        }
        let last = expected - 1
        if last < head.sequence {
            result.problem = AuditProblem(kind: .entryMissing, sequence: expected, message: "The chain ends at \(last); its head is \(head.sequence)")
        } else if last > head.sequence || previous != head.hash {
            result.problem = AuditProblem(kind: .headMismatch, sequence: last, message: "The last entry is not the chain's recorded head \(head.sequence)")
        } else if let stray = checkpoints.keys.filter({ $0 > last || $0 < head.prunedThrough }).min() {
            result.problem = AuditProblem(kind: .checkpointMismatch, sequence: stray, message: "A checkpoint covers \(stray), which the chain does not hold")
        }
        return result
    }

    private func check(_ entry: AuditEntryRecord, expected: Int64, previous: String, checkpoint: AuditCheckpointRecord?) async throws -> AuditProblem? {
        guard entry.sequence == expected else {
            return AuditProblem(kind: .entryMissing, sequence: expected, message: "Entry \(expected) is missing: the chain goes on at \(entry.sequence)")
        }
        if entry.previousHash != previous {
            if try await isLater(entry.previousHash, than: entry) {
                return AuditProblem(kind: .entryReordered, sequence: entry.sequence, message: "Entry \(entry.sequence) links to an entry stored after it")
            }
            return AuditProblem(kind: .contentChanged, sequence: entry.sequence, message: "Entry \(entry.sequence) does not link to entry \(expected - 1)")
        }
        guard AuditChainFormat.hash(entry, after: previous) == entry.hash else {
            return AuditProblem(kind: .contentChanged, sequence: entry.sequence, message: "Entry \(entry.sequence) does not hash to its recorded hash")
        }
        if let checkpoint {
            if checkpoint.hash != entry.hash {
                return AuditProblem(kind: .checkpointMismatch, sequence: entry.sequence, message: "The checkpoint at \(entry.sequence) names another hash")
            }
            if let problem = checkSignature(of: checkpoint) { return problem }
        }
        if entry.kind == .event, let eventId = entry.eventId {
            guard let event = try await storage.event(id: eventId) else {
                return AuditProblem(kind: .eventMissing, sequence: entry.sequence, message: "Event \(eventId) of entry \(entry.sequence) is not in the event store")
            }
            guard AuditChainFormat.digest(of: event) == entry.eventDigest else {
                return AuditProblem(kind: .eventChanged, sequence: entry.sequence, message: "Event \(eventId) of entry \(entry.sequence) was changed")
            }
        }
        return nil
    }

    /// With keys, a checkpoint must carry a signature of a known key over its statement.
    private func checkSignature(of checkpoint: AuditCheckpointRecord) -> AuditProblem? {
        guard !keys.isEmpty else { return nil }
        func mismatch(_ why: String) -> AuditProblem {
            AuditProblem(kind: .checkpointMismatch, sequence: checkpoint.sequence, message: "The checkpoint at \(checkpoint.sequence) \(why)")
        }
        guard let keyId = checkpoint.keyId, let signature = checkpoint.signature else { return mismatch("is not signed") }
        guard let key = keys[keyId], key.algorithm == checkpoint.algorithm else { return mismatch("is signed with a key not given (\(keyId))") }
        let message = AuditChainFormat.checkpointMessage(chain: checkpoint.chain, sequence: checkpoint.sequence, hash: checkpoint.hash)
        return key.verifies(signature, of: message) ? nil : mismatch("has a signature that does not verify")
    }

    /// Whether one of the next entries after `entry` has hash `hash`: the links point forward.
    private func isLater(_ hash: String, than entry: AuditEntryRecord) async throws -> Bool {
        let next = try await storage.auditEntries(chain: entry.chain, after: entry.sequence, limit: Self.reorderWindow)
        return next.contains { $0.hash == hash }
    }
}
