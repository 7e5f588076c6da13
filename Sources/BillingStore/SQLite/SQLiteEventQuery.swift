import BillingCore

/// Translates ``EventFilters`` into one SQL query that an index answers.
///
/// The index is chosen explicitly (`INDEXED BY`) from the most selective filter
/// present, so the plan never depends on planner guesses or statistics:
/// entity → user → tenant → type → time → the sequence itself. Every index ends in
/// `sequence` (except time), so single-key reads come back ordered without a sort.
/// `EXPLAIN QUERY PLAN` tests check that no combination scans the table.
struct SQLiteEventQuery {
    enum Binding {
        case integer(Int64)
        case text(String)
    }

    let sql: String
    let bindings: [Binding]
    /// The index the query is pinned to, or `nil` for the primary key.
    let index: String?

    init(_ filters: EventFilters) {
        // One entity's history is the hottest read: its SQL is built once.
        if let entityId = filters.entityId, Self.isEntityOnly(filters) {
            let shape = filters.limit == nil ? Self.entityQuery : Self.entityQueryWithLimit
            let bindings: [Binding] = filters.limit.map { [.text(entityId), .integer(0), .integer(Int64($0))] } ?? [.text(entityId), .integer(0)]
            self.init(sql: shape.sql, bindings: bindings, index: shape.index)
            return
        }
        self.init(building: filters)
    }

    private init(sql: String, bindings: [Binding], index: String?) {
        self.sql = sql
        self.bindings = bindings
        self.index = index
    }

    private static let entityQuery = SQLiteEventQuery(building: EventFilters(entityId: "entity"))
    private static let entityQueryWithLimit = SQLiteEventQuery(building: EventFilters(entityId: "entity", limit: 1))

    /// Whether the entity is the only filter, as `events(forEntity:tenant: .any)` asks.
    private static func isEntityOnly(_ filters: EventFilters) -> Bool {
        guard case .any = filters.tenant else { return false }
        return filters.userId == nil && filters.types.isEmpty && filters.typePatterns.isEmpty && filters.from == nil
            && filters.to == nil && filters.afterSequence == nil && filters.beforeSequence == nil && filters.order == .ascending
    }

    private init(building filters: EventFilters) {
        var conditions: [String] = []
        var bindings: [Binding] = []
        var index: String?

        func pin(_ name: String) {
            if index == nil { index = name }
        }

        if let entityId = filters.entityId {
            conditions.append("entity_id = ?")
            bindings.append(.text(entityId))
            pin("events_entity")
        }
        if let userId = filters.userId {
            conditions.append("user_id = ?")
            bindings.append(.text(userId))
            pin("events_user")
        }
        switch filters.tenant {
        case .any:
            break
        case .tenant(let tenantId):
            conditions.append("tenant_id = ?")
            bindings.append(.text(tenantId))
            pin("events_tenant")
        case .untenanted:
            conditions.append("tenant_id IS NULL")
            pin("events_tenant")
        }

        // Types: exact names and prefix patterns are alternatives. A `*` pattern
        // lifts the restriction entirely.
        let matchesAll = filters.typePatterns.contains { if case .all = $0.kind { true } else { false } }
        if !matchesAll, !filters.types.isEmpty || !filters.typePatterns.isEmpty {
            var alternatives: [String] = []
            let exact = filters.types.map(\.rawValue) + filters.typePatterns.compactMap {
                if case .exact(let type) = $0.kind { type.rawValue } else { nil }
            }
            let uniqueExact = Array(Set(exact)).sorted()
            if !uniqueExact.isEmpty {
                alternatives.append("type IN (" + Array(repeating: "?", count: uniqueExact.count).joined(separator: ", ") + ")")
                bindings += uniqueExact.map { .text($0) }
            }
            for pattern in filters.typePatterns {
                guard case .prefix(let prefix) = pattern.kind else { continue }
                // `invoice.*` is the half-open range ['invoice.', 'invoice/'): '/' follows '.'.
                alternatives.append("(type >= ? AND type < ?)")
                bindings += [.text(prefix), .text(String(prefix.dropLast()) + "/")]
            }
            conditions.append(alternatives.count == 1 ? alternatives[0] : "(" + alternatives.joined(separator: " OR ") + ")")
            pin("events_type")
        }

        if let from = filters.from {
            conditions.append("timestamp >= ?")
            bindings.append(.integer(Timestamp.microseconds(from)))
            pin("events_timestamp")
        }
        if let to = filters.to {
            conditions.append("timestamp < ?")
            bindings.append(.integer(Timestamp.microseconds(to)))
            pin("events_timestamp")
        }

        // The sequence bounds are always present: they make every read a keyset
        // range (`sequence > 0` when unbounded) and carry cursor pagination.
        conditions.append("sequence > ?")
        bindings.append(.integer(filters.afterSequence ?? 0))
        if let before = filters.beforeSequence {
            conditions.append("sequence < ?")
            bindings.append(.integer(before))
        }

        var sql = "SELECT \(SQLiteEventRow.columns) FROM events"
        if let index {
            sql += " INDEXED BY \(index)"
        }
        sql += " WHERE " + conditions.joined(separator: " AND ")
        sql += filters.order == .ascending ? " ORDER BY sequence ASC" : " ORDER BY sequence DESC"
        if let limit = filters.limit {
            sql += " LIMIT ?"
            bindings.append(.integer(Int64(limit)))
        }
        self.sql = sql
        self.bindings = bindings
        self.index = index
    }

    func bind(to statement: SQLiteStatement) {
        for (offset, binding) in bindings.enumerated() {
            switch binding {
            case .integer(let value): statement.bind(Int32(offset + 1), value)
            case .text(let value): statement.bind(Int32(offset + 1), value)
            }
        }
    }
}
