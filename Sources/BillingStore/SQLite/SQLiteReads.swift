import BillingCore
import CBilingusSQLite

/// The read queries, shared by readers and by the writer (for duplicates).
enum SQLiteReads {
    static func events(_ filters: EventFilters, _ connection: SQLiteConnection) throws -> [BillingEvent] {
        let query = SQLiteEventQuery(filters)
        let statement = try connection.statement(query.sql)
        defer { statement.reset() }
        query.bind(to: statement)
        var events: [BillingEvent] = []
        if let limit = filters.limit {
            events.reserveCapacity(min(limit, 4096))
        }
        while try statement.step("read events") {
            events.append(try SQLiteEventRow.decode(statement))
        }
        return events
    }

    static func event(id: EventID, _ connection: SQLiteConnection) throws -> BillingEvent? {
        let statement = try connection.statement("SELECT \(SQLiteEventRow.columns) FROM events WHERE id = ?")
        defer { statement.reset() }
        statement.bindBlob(1, id.bytes)
        return try statement.step("read an event by id") ? SQLiteEventRow.decode(statement) : nil
    }

    /// The event stored under a tenant and idempotency key. `hashed`: the file's index
    /// holds ``SQLiteIdempotencyHash`` values (schema 4 on), which the lookup goes through.
    static func event(tenantId: String?, idempotencyKey: String, hashed: Bool = true, _ connection: SQLiteConnection) throws -> BillingEvent? {
        guard hashed else {
            // The same expression as schema 1's unique index, so that index answers it.
            let statement = try connection.statement(
                "SELECT \(SQLiteEventRow.columns) FROM events WHERE coalesce(tenant_id, '') = ? AND idempotency_key = ?"
            )
            defer { statement.reset() }
            statement.bind(1, tenantId ?? "")
            statement.bind(2, idempotencyKey)
            return try statement.step("read an event by idempotency key") ? SQLiteEventRow.decode(statement) : nil
        }
        let statement = try connection.statement(keyLookupSQL)
        defer { statement.reset() }
        statement.bind(1, SQLiteIdempotencyHash.hash(tenantId: tenantId, key: idempotencyKey))
        statement.bind(2, tenantId ?? "")
        statement.bind(3, idempotencyKey)
        return try statement.step("read an event by idempotency key") ? SQLiteEventRow.decode(statement) : nil
    }

    /// Through the hash index; the tenant and key themselves tell hash collisions apart.
    static let keyLookupSQL =
        "SELECT \(SQLiteEventRow.columns) FROM events WHERE idempotency_hash = ? AND coalesce(tenant_id, '') = ? AND idempotency_key = ?"

    static func headSequence(_ connection: SQLiteConnection) throws -> Int64 {
        try connection.scalarInt("SELECT max(sequence) FROM events", "read the head sequence") ?? 0
    }
}
