import BillingCore

/// The audit chain's format, version 1: what an independent verifier recomputes
/// (Documentation/AuditLog.md spells it out).
///
/// - A chain is `tenant:<id>` for a tenant's entries and `host` for those without a tenant.
/// - A chain starts from `SHA-256("bilingus.audit.v1:" + chain)`, in hex.
/// - An entry's canonical form is the canonical JSON of its fields (absent ones `null`, times as
///   RFC 3339 with microseconds): `causationId`, `chain`, `correlationId`, `details`, `entityId`,
///   `eventDigest`, `eventId`, `kind`, `occurredAt`, `recordedAt`, `sequence`, `summary`,
///   `tenantId`, `type`, `userId`.
/// - `hash = hex(SHA-256(bytes(previousHash) ‖ canonical))`, `bytes` being the 32 bytes the hex names.
/// - A checkpoint signs `bilingus.audit.v1.checkpoint\n<chain>\n<sequence>\n<hash>` (UTF-8).
enum AuditChainFormat {
    static let version = "bilingus.audit.v1"
    static let hostChain = "host"

    /// The chain of entries for `tenantId`.
    static func chain(tenantId: String?) -> String {
        tenantId.map { "tenant:\($0)" } ?? hostChain
    }

    /// The hash a chain starts from.
    static func startHash(of chain: String) -> String {
        sha256Hex(version + ":" + chain)
    }

    /// The canonical bytes of `entry`: every field but the two hashes.
    static func canonical(_ entry: AuditEntryRecord) -> [UInt8] {
        func text(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
        let object: JSONObject = [
            "causationId": text(entry.causationId), "chain": .string(entry.chain), "correlationId": text(entry.correlationId),
            "details": .object(entry.details), "entityId": text(entry.entityId), "eventDigest": text(entry.eventDigest),
            "eventId": text(entry.eventId?.description), "kind": .string(entry.kind.rawValue),
            "occurredAt": .string(Timestamp.format(microseconds: Timestamp.microseconds(entry.occurredAt))),
            "recordedAt": .string(Timestamp.format(microseconds: Timestamp.microseconds(entry.recordedAt))), "sequence": .int(entry.sequence),
            "summary": .string(entry.summary), "tenantId": text(entry.tenantId), "type": .string(entry.type), "userId": text(entry.userId),
        ]
        return CanonicalJSON.encode(.object(object))
    }

    /// The hash of `entry` after `previousHash`; nil when `previousHash` is not 64 hex digits.
    static func hash(_ entry: AuditEntryRecord, after previousHash: String) -> String? {
        guard let previous = Hex.decode(previousHash), previous.count == 32 else { return nil }
        return sha256Hex(bytes: previous + canonical(entry))
    }

    /// The digest that ties an entry to its stored event: SHA-256 of the canonical JSON of the
    /// event's fields, its payload and metadata spliced in as the store keeps them.
    static func digest(of event: BillingEvent) -> String {
        func text(_ value: String?) -> [UInt8] { CanonicalJSON.encode(value.map { .string($0) } ?? .null) }
        var bytes = Array(#"{"causationId":"#.utf8) + text(event.causationId?.description)
        bytes += #","correlationId":"#.utf8 + text(event.correlationId)
        bytes += #","entityId":"#.utf8 + text(event.entityId)
        bytes += #","id":"#.utf8 + text(event.id.description)
        bytes += #","metadata":"#.utf8 + event.canonicalMetadata
        bytes += #","payload":"#.utf8 + event.canonicalPayload
        bytes += #","tenantId":"#.utf8 + text(event.tenantId)
        bytes += #","timestamp":"#.utf8 + text(Timestamp.format(microseconds: event.timestampMicroseconds))
        bytes += #","type":"#.utf8 + text(event.type.rawValue)
        bytes += #","userId":"#.utf8 + text(event.userId) + Array("}".utf8)
        return sha256Hex(bytes: bytes)
    }

    /// What a checkpoint's signature signs: `bilingus.audit.v1.checkpoint`, the chain, the
    /// sequence and the entry's hash, each on its own line.
    static func checkpointMessage(chain: String, sequence: Int64, hash: String) -> [UInt8] {
        Array("\(version).checkpoint\n\(chain)\n\(sequence)\n\(hash)".utf8)
    }
}
