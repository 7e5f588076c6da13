import BillingCore
import Foundation

/// How an event maps to a row of the `events` table.
enum SQLiteEventRow {
    static let columns = "sequence, id, type, payload, timestamp, tenant_id, user_id, entity_id, metadata, idempotency_key, correlation_id, causation_id, schema_version"

    /// Inserts a row unless its id (`ON CONFLICT`) or its tenant and idempotency key
    /// (`NOT EXISTS`, through the hash index, comparing the key itself) is stored already.
    static let insertSQL = """
        INSERT INTO events (id, type, payload, timestamp, tenant_id, user_id, entity_id, metadata, idempotency_key, correlation_id, causation_id, schema_version, idempotency_hash)
        SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13
        WHERE NOT EXISTS (
            SELECT 1 FROM events WHERE idempotency_hash = ?13 AND coalesce(tenant_id, '') = coalesce(?5, '') AND idempotency_key = ?9
        )
        ON CONFLICT DO NOTHING
        """

    /// An event with its columns already encoded, so the CPU work happens on the
    /// publisher's task and the single writer only binds and steps.
    ///
    /// Every text and blob column sits in one buffer (one allocation per row), which
    /// the writer binds without copying (`SQLITE_STATIC`) for the length of one step.
    struct Encoded: Sendable {
        /// The text and blob columns, in this order, in ``bytes``.
        enum Column: Int, CaseIterable {
            case id, type, payload, tenantId, userId, entityId, metadata, idempotencyKey, correlationId, causationId
        }

        let event: BillingEvent
        let bytes: [UInt8]
        /// Where each ``Column`` ends in ``bytes`` (it starts where the previous one ends).
        private let ends: SIMD16<Int32>
        /// Bit `column.rawValue` is set for a NULL column.
        private let nulls: UInt16
        let timestamp: Int64
        let schemaVersion: Int64
        let idempotencyHash: Int64?

        init(_ event: BillingEvent) {
            self.event = event
            var bytes: [UInt8] = []
            var ends = SIMD16<Int32>()
            var nulls: UInt16 = 0
            func append<Bytes: Sequence<UInt8>>(_ column: Column, _ value: Bytes?) {
                if let value { bytes.append(contentsOf: value) } else { nulls |= 1 << column.rawValue }
                ends[column.rawValue] = Int32(bytes.count)
            }
            let payload = event.canonicalPayload  // the bytes validation encoded
            let metadata = event.canonicalMetadata
            bytes.reserveCapacity(payload.count + metadata.count + 160)
            append(.id, event.id.bytes)
            append(.type, event.type.rawValue.utf8)
            append(.payload, payload)
            append(.tenantId, event.tenantId?.utf8)
            append(.userId, event.userId?.utf8)
            append(.entityId, event.entityId?.utf8)
            append(.metadata, metadata)
            append(.idempotencyKey, event.idempotencyKey?.utf8)
            append(.correlationId, event.correlationId?.utf8)
            append(.causationId, event.causationId?.bytes)
            self.bytes = bytes
            self.ends = ends
            self.nulls = nulls
            timestamp = event.timestampMicroseconds
            schemaVersion = Int64(event.schemaVersion)
            idempotencyHash = event.idempotencyKey.map { SQLiteIdempotencyHash.hash(tenantId: event.tenantId, key: $0) }
        }

        /// The column's range in ``bytes``, or `nil` for NULL.
        func range(of column: Column) -> Range<Int>? {
            guard nulls & (1 << column.rawValue) == 0 else { return nil }
            let start = column.rawValue == 0 ? 0 : Int(ends[column.rawValue - 1])
            return start..<Int(ends[column.rawValue])
        }
    }

    /// Reads the current row of a statement selecting ``columns``, starting at column `offset`.
    static func decode(_ statement: SQLiteStatement, offset: Int32 = 0) throws -> BillingEvent {
        let column = { (index: Int32) in index + offset }
        guard let id = statement.withBytes(column(1), { EventID(bytes: $0) }) ?? nil else {
            throw corrupt("id")
        }
        guard let typeName = statement.string(column(2)), let type = try? BillingEventType(typeName) else {
            throw corrupt("type")
        }
        // Payload and metadata stay canonical bytes, parsed only if they are read.
        guard let payload = statement.withBytes(column(3), { Array($0) }) else {
            throw corrupt("payload")
        }
        guard let metadata = statement.withBytes(column(8), { Array($0) }) else {
            throw corrupt("metadata")
        }
        var causationId: EventID?
        if !statement.isNull(column(11)) {
            guard let parsed = statement.withBytes(column(11), { EventID(bytes: $0) }) ?? nil else { throw corrupt("causation_id") }
            causationId = parsed
        }
        return BillingEvent(
            id: id, type: type, canonicalPayload: payload, timestampMicroseconds: statement.int64(column(4)),
            tenantId: statement.string(column(5)), userId: statement.string(column(6)), entityId: statement.string(column(7)),
            canonicalMetadata: metadata, idempotencyKey: statement.string(column(9)), correlationId: statement.string(column(10)),
            causationId: causationId, schemaVersion: Int(statement.int64(column(12))), sequence: statement.int64(column(0))
        )
    }

    private static func corrupt(_ column: String) -> BillingError {
        BillingError(.storageCorrupt, "A stored event has an unreadable \(column) column", field: column)
    }
}
