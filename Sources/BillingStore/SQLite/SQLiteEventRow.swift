import BillingCore
import Foundation

/// How an event maps to a row of the `events` table.
enum SQLiteEventRow {
    static let columns = "sequence, id, type, payload, timestamp, tenant_id, user_id, entity_id, metadata, idempotency_key, correlation_id, causation_id, schema_version"

    static let insertSQL = """
        INSERT INTO events (id, type, payload, timestamp, tenant_id, user_id, entity_id, metadata, idempotency_key, correlation_id, causation_id, schema_version)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT DO NOTHING
        """

    /// An event with its JSON already encoded, so the CPU work happens on the
    /// publisher's task and the single writer only binds and steps.
    struct Encoded: Sendable {
        let event: BillingEvent
        let id: [UInt8]
        let payload: [UInt8]
        let metadata: [UInt8]
        let causationId: [UInt8]?

        init(_ event: BillingEvent) {
            self.event = event
            id = event.id.bytes
            payload = event.canonicalPayload  // the bytes validation encoded
            metadata = event.canonicalMetadata
            causationId = event.causationId?.bytes
        }
    }

    static func bindInsert(_ statement: SQLiteStatement, _ row: Encoded) {
        let event = row.event
        statement.bindBlob(1, row.id)
        statement.bind(2, event.type.rawValue)
        statement.bindText(3, row.payload)
        statement.bind(4, event.timestampMicroseconds)
        statement.bind(5, event.tenantId)
        statement.bind(6, event.userId)
        statement.bind(7, event.entityId)
        statement.bindText(8, row.metadata)
        statement.bind(9, event.idempotencyKey)
        statement.bind(10, event.correlationId)
        statement.bindBlob(11, row.causationId)
        statement.bind(12, Int64(event.schemaVersion))
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
