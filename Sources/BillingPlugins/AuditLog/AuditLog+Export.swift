public import BillingCore
public import Foundation

/// Export as JSON Lines, with everything an auditor needs to verify the chains offline
/// (Examples/AuditVerifier): one `chain` line per chain (where it starts after any
/// retention cut, and its head), then its `entry` lines in order, each with its exact
/// canonical bytes and both hashes, then its `checkpoint` lines. The event digests are in the
/// canonical entries; checking them needs the event store, which the export does not carry.
extension AuditLog {
    /// Entries read at a time.
    static let exportPage = 500

    /// Writes the chains of `tenant` (`.any`: every chain; `.untenanted`: the chain without a
    /// tenant) to `url`, whole or not at all (a temporary file renamed into place); returns
    /// how many entries it wrote.
    @discardableResult
    public func export(_ tenant: TenantScope = .any, to url: URL) async throws -> Int {
        let chains: [AuditChainHead]
        switch tenant {
        case .any: chains = try await storage.auditChainHeads()
        case .tenant(let id): chains = try await storage.auditChainHead(AuditChainFormat.chain(tenantId: id)).map { [$0] } ?? []
        case .untenanted: chains = try await storage.auditChainHead(AuditChainFormat.hostChain).map { [$0] } ?? []
        }
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil), let file = FileHandle(forWritingAtPath: temporary.path) else {
            throw BillingError(.storageFailure, "Could not create the export file beside \(url.path)", field: "url")
        }
        var written = 0
        do {
            defer { try? file.close() }
            for head in chains {
                try file.write(contentsOf: Self.line(Self.chainLine(head)))
                var after = head.prunedThrough
                while true {
                    let entries = try await storage.auditEntries(chain: head.chain, after: after, limit: Self.exportPage)
                    for entry in entries { try file.write(contentsOf: Self.line(Self.entryLine(entry))) }
                    written += entries.count
                    guard let last = entries.last, entries.count == Self.exportPage else { break }
                    after = last.sequence
                }
                for checkpoint in try await storage.auditCheckpoints(chain: head.chain) {
                    try file.write(contentsOf: Self.line(Self.checkpointLine(checkpoint)))
                }
            }
            try file.synchronize()
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        guard rename(temporary.path, url.path) == 0 else {
            try? FileManager.default.removeItem(at: temporary)
            throw BillingError(.storageFailure, "Could not move the export into place at \(url.path) (errno \(errno))", field: "url")
        }
        return written
    }

    private static func line(_ object: JSONObject) -> Data {
        Data(CanonicalJSON.encode(.object(object)) + [0x0A])
    }

    private static func chainLine(_ head: AuditChainHead) -> JSONObject {
        let start = head.prunedThrough == 0 ? AuditChainFormat.startHash(of: head.chain) : head.prunedHash
        return [
            "record": "chain", "format": .string(AuditChainFormat.version), "chain": .string(head.chain), "startSequence": .int(head.prunedThrough),
            "startHash": .string(start), "headSequence": .int(head.sequence), "headHash": .string(head.hash),
        ]
    }

    private static func entryLine(_ entry: AuditEntryRecord) -> JSONObject {
        [
            "record": "entry", "chain": .string(entry.chain), "sequence": .int(entry.sequence),
            "canonical": .string(String(decoding: AuditChainFormat.canonical(entry), as: UTF8.self)), "previousHash": .string(entry.previousHash),
            "hash": .string(entry.hash),
        ]
    }

    private static func checkpointLine(_ checkpoint: AuditCheckpointRecord) -> JSONObject {
        [
            "record": "checkpoint", "chain": .string(checkpoint.chain), "sequence": .int(checkpoint.sequence), "hash": .string(checkpoint.hash),
            "algorithm": .string(checkpoint.algorithm), "keyId": checkpoint.keyId.map { .string($0) } ?? .null,
            "signature": checkpoint.signature.map { .string($0) } ?? .null,
            "createdAt": .string(Timestamp.format(microseconds: Timestamp.microseconds(checkpoint.createdAt))),
        ]
    }
}
