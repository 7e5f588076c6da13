import BillingCore
import CSQLiteBaseline
import Foundation

extension RawEntityQuery {
    /// The baseline query building full `BillingEvent`s through BillingCore's public API
    /// (canonical JSON parsed into `JSONValue`s, as the store does): a breakdown variant that
    /// isolates the cost of decoding rows from the cost of the store's plumbing.
    func runDecoding(_ entityId: String) throws -> [BillingEvent] {
        var events: [BillingEvent] = []
        try forEachRow(entityId) { select in
            func text(_ column: Int32) -> String? {
                guard let pointer = sqlite3_column_text(select, column) else { return nil }
                return String(decoding: UnsafeBufferPointer(start: pointer, count: Int(sqlite3_column_bytes(select, column))), as: UTF8.self)
            }
            func bytes(_ column: Int32) -> UnsafeBufferPointer<UInt8> {
                let count = Int(sqlite3_column_bytes(select, column))
                let pointer = sqlite3_column_blob(select, column)?.assumingMemoryBound(to: UInt8.self)
                return UnsafeBufferPointer(start: pointer, count: count)
            }
            let idBytes = bytes(1)
            guard idBytes.count == 16 else { throw RawSQLiteError(description: "bad id") }
            let uuid = UUID(uuid: (
                idBytes[0], idBytes[1], idBytes[2], idBytes[3], idBytes[4], idBytes[5], idBytes[6], idBytes[7],
                idBytes[8], idBytes[9], idBytes[10], idBytes[11], idBytes[12], idBytes[13], idBytes[14], idBytes[15]
            ))
            let type = try BillingEventType(text(2) ?? "")
            let payload = try CanonicalJSON.decode(bytes(3))
            guard case .object(let metadata) = try CanonicalJSON.decode(bytes(8)) else {
                throw RawSQLiteError(description: "bad metadata")
            }
            events.append(BillingEvent(
                id: EventID(uuid: uuid), type: type, payload: payload,
                timestamp: Timestamp.date(microseconds: sqlite3_column_int64(select, 4)),
                tenantId: text(5), userId: text(6), entityId: text(7), metadata: metadata.dictionary,
                idempotencyKey: text(9), correlationId: text(10), causationId: nil,
                schemaVersion: Int(sqlite3_column_int64(select, 12))
            ))
        }
        return events
    }
}
