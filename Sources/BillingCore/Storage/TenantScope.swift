/// Which tenants' events a read covers.
///
/// Reads that answer one customer's question (an entity's history, the events of a
/// type) take a scope without a default, so a multi-tenant host cannot read another
/// tenant's events by leaving an argument out; `.any` must be asked for.
public enum TenantScope: Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// Every tenant's events, and those without a tenant.
    case any
    /// One tenant's events.
    case tenant(String)
    /// Only events stored without a tenant.
    case untenanted

    /// The scope of one tenant id: `.tenant(id)`, or `.untenanted` for `nil`.
    public init(_ tenantId: String?) {
        self = tenantId.map { .tenant($0) } ?? .untenanted
    }

    public init(stringLiteral value: String) {
        self = .tenant(value)
    }

    /// Whether an event with `tenantId` is in scope.
    public func contains(_ tenantId: String?) -> Bool {
        switch self {
        case .any: true
        case .tenant(let id): tenantId == id
        case .untenanted: tenantId == nil
        }
    }

    public var description: String {
        switch self {
        case .any: "any tenant"
        case .tenant(let id): "tenant '\(id)'"
        case .untenanted: "no tenant"
        }
    }
}
