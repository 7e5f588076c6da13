import Foundation
import GRDB

/// The peer a Swift user would pick for SQLite: GRDB.swift's `DatabasePool` writing the
/// same rows into the same schema (``RawSchema/current``) with the same insert as the
/// store, through a cached statement. WAL (the pool's own), `synchronous = NORMAL` and
/// the store's checkpoint interval, as our writer has.
///
/// Its rows are the same bytes as the raw baseline's, turned into `StatementArguments`
/// (payload and metadata as `String`, ids as `Data`) before any clock starts.
final class GRDBPeer: Sendable {
    let pool: DatabasePool

    init(path: String) throws {
        try RawSchema.current.create(at: path)
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(RawSchema.current.walAutocheckpoint)")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
    }

    /// One row's arguments for ``RawSchema/current``'s insert.
    static func arguments(_ rows: RawRows) -> [StatementArguments] {
        let arena = rows.arena
        func data(_ span: RawRows.Span) -> Data? {
            span.length < 0 ? nil : Data(bytes: arena + span.offset, count: span.length)
        }
        func text(_ span: RawRows.Span) -> String? {
            span.length < 0 ? nil : String(decoding: UnsafeRawBufferPointer(start: arena + span.offset, count: span.length), as: UTF8.self)
        }
        return rows.rows.map { row in
            StatementArguments([
                data(row.id), text(row.type), text(row.payload), row.timestamp, text(row.tenantId), text(row.userId),
                text(row.entityId), text(row.metadata), text(row.idempotencyKey), text(row.correlationId),
                data(row.causationId), row.schemaVersion, row.idempotencyHash,
            ] as [(any DatabaseValueConvertible)?])
        }
    }

    /// One awaited write transaction per row.
    func insert(_ arguments: StatementArguments) async throws {
        try await pool.write { db in
            try db.cachedStatement(sql: RawSchema.current.insert).execute(arguments: arguments)
        }
    }

    /// One awaited write transaction for several rows (batched by hand).
    func insert(_ batch: [StatementArguments]) async throws {
        try await pool.write { db in
            let statement = try db.cachedStatement(sql: RawSchema.current.insert)
            for arguments in batch {
                try statement.execute(arguments: arguments)
            }
        }
    }

    func count() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM events") ?? 0 }
    }
}
