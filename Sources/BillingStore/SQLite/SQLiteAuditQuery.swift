package import BillingCore
import Foundation

/// An `AuditQuery` as SQL: the conditions on `audit_entries` and their values, bound in order.
package struct SQLiteAuditQuery {
    private enum Value {
        case text(String)
        case integer(Int64)
    }

    package private(set) var conditions = "1"
    private var values: [Value] = []

    package init(_ query: AuditQuery, after position: AuditEntryRecord?) {
        var clauses: [String] = []
        switch query.tenant {
        case .any: break
        case .tenant(let id):
            clauses.append("tenant_id = ?")
            values.append(.text(id))
        case .untenanted: clauses.append("tenant_id IS NULL")
        }
        for (column, value) in [("entity_id", query.entityId), ("type", query.type), ("user_id", query.userId)] {
            guard let value else { continue }
            clauses.append("\(column) = ?")
            values.append(.text(value))
        }
        if let from = query.from {
            clauses.append("occurred_at >= ?")
            values.append(.integer(Timestamp.microseconds(from)))
        }
        if let until = query.until {
            clauses.append("occurred_at < ?")
            values.append(.integer(Timestamp.microseconds(until)))
        }
        if let position {
            // Newest first: the next page is what sorts below the last entry of this one.
            clauses.append("(occurred_at, chain, sequence) < (?, ?, ?)")
            values += [.integer(Timestamp.microseconds(position.occurredAt)), .text(position.chain), .integer(position.sequence)]
        }
        if !clauses.isEmpty { conditions = clauses.joined(separator: " AND ") }
    }

    func bind(to statement: SQLiteStatement) {
        for (offset, value) in values.enumerated() {
            switch value {
            case .text(let text): statement.bind(Int32(offset + 1), text)
            case .integer(let number): statement.bind(Int32(offset + 1), number)
            }
        }
    }
}
