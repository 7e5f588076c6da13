public import BillingCore
import Foundation

/// The audit log (migration 8): `audit_chains` holds each chain's head, which an append
/// compares and sets in the same transaction as its inserts (the single writer makes that
/// linear; the primary key (chain, sequence) refuses a duplicate even so); `audit_entries`
/// and `audit_checkpoints` hold what the audit log computed.
extension SQLiteEventStore: AuditLogStore {
    private static let entryColumns = """
        chain, sequence, kind, type, event_id, tenant_id, user_id, entity_id, correlation_id, causation_id, occurred_at, recorded_at, \
        summary, event_digest, details, previous_hash, hash
        """

    public func auditChainHead(_ chain: String) async throws -> AuditChainHead? {
        try await readers.read(inline: true) { connection in
            let statement = try connection.statement(
                "SELECT chain, head_sequence, head_hash, pruned_through, pruned_hash FROM audit_chains WHERE chain = ?")
            defer { statement.reset() }
            statement.bind(1, chain)
            return try statement.step("read an audit chain's head") ? Self.decodeHead(statement) : nil
        }
    }

    public func auditChainHeads() async throws -> [AuditChainHead] {
        try await readers.read(inline: true) { connection in
            let statement = try connection.statement("SELECT chain, head_sequence, head_hash, pruned_through, pruned_hash FROM audit_chains ORDER BY chain")
            defer { statement.reset() }
            var heads: [AuditChainHead] = []
            while try statement.step("list audit chains") { heads.append(Self.decodeHead(statement)) }
            return heads
        }
    }

    public func appendAuditEntries(_ entries: [AuditEntryRecord], after head: AuditChainHead) async throws -> Bool {
        try AuditChainRules.checkContinues(entries, head)
        guard let last = entries.last else { return true }
        return try await writer.withConnection { connection -> Bool in
            try connection.transaction("append audit entries") {
                // The compare-and-set: the head moves only from exactly `head`.
                let move: SQLiteStatement
                if head.sequence == 0 {
                    move = try connection.statement(
                        "INSERT INTO audit_chains (chain, head_sequence, head_hash, pruned_through, pruned_hash) VALUES (?1, ?2, ?3, 0, ?4) ON CONFLICT (chain) DO NOTHING")
                    move.bind(4, head.hash)
                } else {
                    move = try connection.statement(
                        "UPDATE audit_chains SET head_sequence = ?2, head_hash = ?3 WHERE chain = ?1 AND head_sequence = ?5 AND head_hash = ?6")
                    move.bind(5, head.sequence)
                    move.bind(6, head.hash)
                }
                defer { move.reset() }
                move.bind(1, head.chain)
                move.bind(2, last.sequence)
                move.bind(3, last.hash)
                _ = try move.step("move an audit chain's head")
                guard connection.changes > 0 else { return false }
                let insert = try connection.statement("INSERT INTO audit_entries (\(Self.entryColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                defer { insert.reset() }
                for entry in entries {
                    insert.reset()
                    Self.bind(entry, to: insert)
                    _ = try insert.step("append an audit entry")
                }
                return true
            }
        }
    }

    public func auditEntry(eventId: EventID) async throws -> AuditEntryRecord? {
        try await readers.read(inline: true) { connection in
            let statement = try connection.statement("SELECT \(Self.entryColumns) FROM audit_entries WHERE event_id = ? LIMIT 1")
            defer { statement.reset() }
            statement.bindBlob(1, eventId.bytes)
            return try Self.decodeEntries(statement).first
        }
    }

    public func auditEntries(chain: String, after sequence: Int64, limit: Int) async throws -> [AuditEntryRecord] {
        guard limit >= 1 else { throw BillingError.invalid("limit", "limit must be at least 1") }
        return try await readers.read(inline: true) { connection in
            let statement = try connection.statement(
                "SELECT \(Self.entryColumns) FROM audit_entries WHERE chain = ?1 AND sequence > ?2 ORDER BY sequence LIMIT ?3")
            defer { statement.reset() }
            statement.bind(1, chain)
            statement.bind(2, sequence)
            statement.bind(3, Int64(limit))
            return try Self.decodeEntries(statement)
        }
    }

    public func auditEntries(matching query: AuditQuery, after position: AuditEntryRecord?, limit: Int) async throws -> [AuditEntryRecord] {
        guard limit >= 1 else { throw BillingError.invalid("limit", "limit must be at least 1") }
        let search = SQLiteAuditQuery(query, after: position)
        return try await readers.read(inline: true) { connection in
            let statement = try connection.statement(Self.auditQuerySQL(search, limit: limit))
            defer { statement.reset() }
            search.bind(to: statement)
            return try Self.decodeEntries(statement)
        }
    }

    /// The SQL of a query: newest first, so each filter's index (ending in the order) serves it without a sort.
    package static func auditQuerySQL(_ search: SQLiteAuditQuery, limit: Int) -> String {
        "SELECT \(entryColumns) FROM audit_entries WHERE \(search.conditions) ORDER BY occurred_at DESC, chain DESC, sequence DESC LIMIT \(limit)"
    }

    public func insertAuditCheckpoint(_ checkpoint: AuditCheckpointRecord) async throws {
        try await writer.withConnection { connection in
            let insert = try connection.statement(
                """
                INSERT INTO audit_checkpoints (\(Self.checkpointColumns)) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (chain, sequence) DO NOTHING
                """)
            defer { insert.reset() }
            insert.bind(1, checkpoint.chain)
            insert.bind(2, checkpoint.sequence)
            insert.bind(3, checkpoint.hash)
            insert.bind(4, checkpoint.algorithm)
            insert.bind(5, checkpoint.keyId)
            insert.bind(6, checkpoint.signature)
            insert.bind(7, Timestamp.microseconds(checkpoint.createdAt))
            _ = try insert.step("store an audit checkpoint")
            guard connection.changes > 0 else {
                throw BillingError(.alreadyExists, "Chain \(checkpoint.chain) has a checkpoint at \(checkpoint.sequence) already", field: "sequence")
            }
        }
    }

    public func auditCheckpoints(chain: String) async throws -> [AuditCheckpointRecord] {
        try await readCheckpoints("SELECT \(Self.checkpointColumns) FROM audit_checkpoints WHERE chain = ? ORDER BY sequence", chain)
    }

    public func lastAuditCheckpoint(chain: String) async throws -> AuditCheckpointRecord? {
        try await readCheckpoints("SELECT \(Self.checkpointColumns) FROM audit_checkpoints WHERE chain = ? ORDER BY sequence DESC LIMIT 1", chain).first
    }

    private static let checkpointColumns = "chain, sequence, hash, algorithm, key_id, signature, created_at"

    private func readCheckpoints(_ sql: String, _ chain: String) async throws -> [AuditCheckpointRecord] {
        try await readers.read(inline: true) { connection in
            let statement = try connection.statement(sql)
            defer { statement.reset() }
            statement.bind(1, chain)
            var checkpoints: [AuditCheckpointRecord] = []
            while try statement.step("read audit checkpoints") {
                checkpoints.append(
                    AuditCheckpointRecord(
                        chain: statement.string(0) ?? "", sequence: statement.int64(1), hash: statement.string(2) ?? "", algorithm: statement.string(3) ?? "",
                        keyId: statement.string(4), signature: statement.string(5), createdAt: Timestamp.date(microseconds: statement.int64(6))))
            }
            return checkpoints
        }
    }

    public func pruneAuditChain(_ chain: String, through sequence: Int64) async throws -> Int {
        try await writer.withConnection { connection -> Int in
            try connection.transaction("prune an audit chain") {
                let read = try connection.statement(
                    """
                    SELECT c.head_sequence, c.pruned_through, e.hash FROM audit_chains c
                    LEFT JOIN audit_entries e ON e.chain = c.chain AND e.sequence = ?2 WHERE c.chain = ?1
                    """)
                defer { read.reset() }
                read.bind(1, chain)
                read.bind(2, sequence)
                guard try read.step("read an audit chain to prune") else { throw AuditChainRules.unknownChain(chain) }
                try AuditChainRules.checkPrune(chain, through: sequence, head: read.int64(0), prunedThrough: read.int64(1), entryFound: !read.isNull(2))
                let hash = read.string(2) ?? ""
                read.reset()
                let cut = try connection.statement("UPDATE audit_chains SET pruned_through = ?2, pruned_hash = ?3 WHERE chain = ?1")
                defer { cut.reset() }
                cut.bind(1, chain)
                cut.bind(2, sequence)
                cut.bind(3, hash)
                _ = try cut.step("record an audit chain's cut")
                let checkpoints = try connection.statement("DELETE FROM audit_checkpoints WHERE chain = ?1 AND sequence < ?2")
                defer { checkpoints.reset() }
                checkpoints.bind(1, chain)
                checkpoints.bind(2, sequence)
                _ = try checkpoints.step("prune audit checkpoints")
                let entries = try connection.statement("DELETE FROM audit_entries WHERE chain = ?1 AND sequence <= ?2")
                defer { entries.reset() }
                entries.bind(1, chain)
                entries.bind(2, sequence)
                _ = try entries.step("prune audit entries")
                return Int(connection.changes)
            }
        }
    }

    // MARK: Rows

    private static func decodeHead(_ statement: SQLiteStatement) -> AuditChainHead {
        AuditChainHead(
            chain: statement.string(0) ?? "", sequence: statement.int64(1), hash: statement.string(2) ?? "", prunedThrough: statement.int64(3),
            prunedHash: statement.string(4) ?? "")
    }

    private static func bind(_ entry: AuditEntryRecord, to statement: SQLiteStatement) {
        statement.bind(1, entry.chain)
        statement.bind(2, entry.sequence)
        statement.bind(3, entry.kind.rawValue)
        statement.bind(4, entry.type)
        statement.bindBlob(5, entry.eventId?.bytes)
        statement.bind(6, entry.tenantId)
        statement.bind(7, entry.userId)
        statement.bind(8, entry.entityId)
        statement.bind(9, entry.correlationId)
        statement.bind(10, entry.causationId)
        statement.bind(11, Timestamp.microseconds(entry.occurredAt))
        statement.bind(12, Timestamp.microseconds(entry.recordedAt))
        statement.bind(13, entry.summary)
        statement.bind(14, entry.eventDigest)
        statement.bind(15, CanonicalJSON.string(.object(entry.details)))
        statement.bind(16, entry.previousHash)
        statement.bind(17, entry.hash)
    }

    /// Rows as stored, even ones edited behind the audit log's back: the verifier, not the
    /// store, judges them. Only a row that cannot be read at all is `storage.corrupt`.
    private static func decodeEntries(_ statement: SQLiteStatement) throws -> [AuditEntryRecord] {
        var entries: [AuditEntryRecord] = []
        while try statement.step("read audit entries") {
            guard let kind = statement.string(2).flatMap(AuditEntryKind.init(rawValue:)),
                let details = try? statement.string(14).map({ try CanonicalJSON.decode($0) })?.objectValue,
                statement.isNull(4) || statement.withBytes(4, { EventID(bytes: $0) }) != nil
            else {
                throw BillingError(.storageCorrupt, "A stored audit entry is not what Bilingus writes", field: "audit_entries")
            }
            entries.append(
                AuditEntryRecord(
                    chain: statement.string(0) ?? "", sequence: statement.int64(1), kind: kind, type: statement.string(3) ?? "",
                    eventId: statement.withBytes(4, { EventID(bytes: $0) }) ?? nil, tenantId: statement.string(5), userId: statement.string(6),
                    entityId: statement.string(7), correlationId: statement.string(8), causationId: statement.string(9),
                    occurredAt: Timestamp.date(microseconds: statement.int64(10)), recordedAt: Timestamp.date(microseconds: statement.int64(11)),
                    summary: statement.string(12) ?? "", eventDigest: statement.string(13), details: details, previousHash: statement.string(15) ?? "",
                    hash: statement.string(16) ?? ""))
        }
        return entries
    }
}
