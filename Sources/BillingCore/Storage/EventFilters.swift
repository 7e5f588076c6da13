public import Foundation

/// Which events to read, in which order, and how many (the specification's `EventFilters`).
///
/// Every criterion narrows the result (they are combined with AND). Within the type
/// criterion, ``types`` and ``typePatterns`` are alternatives (OR): an event matches
/// if its type is listed or matches a pattern; with both empty, every type matches.
///
/// Storage backends answer every combination with an index, so reads stay fast on
/// large stores.
public struct EventFilters: Sendable, Hashable {
    /// The direction of a read, by store sequence.
    public enum Order: String, Sendable, Hashable, Codable {
        /// Oldest first.
        case ascending
        /// Newest first.
        case descending
    }

    /// Exact types to match.
    public var types: Set<BillingEventType>
    /// Patterns to match (`invoice.*`, `*`).
    public var typePatterns: [EventPattern]
    /// Whose events: one tenant's, untenanted ones, or any (the default).
    public var tenant: TenantScope
    /// Only this user's events.
    public var userId: String?
    /// Only events about this entity.
    public var entityId: String?
    /// Only events at or after this time (inclusive).
    public var from: Date?
    /// Only events before this time (exclusive).
    public var to: Date?
    /// Only events with a sequence greater than this.
    public var afterSequence: Int64?
    /// Only events with a sequence less than this.
    public var beforeSequence: Int64?
    /// At most this many events; `nil` reads them all.
    public var limit: Int?
    /// Oldest first (the default) or newest first.
    public var order: Order

    /// Creates filters; with no arguments they match every event, oldest first.
    public init(
        types: Set<BillingEventType> = [],
        typePatterns: [EventPattern] = [],
        tenant: TenantScope = .any,
        userId: String? = nil,
        entityId: String? = nil,
        from: Date? = nil,
        to: Date? = nil,
        afterSequence: Int64? = nil,
        beforeSequence: Int64? = nil,
        limit: Int? = nil,
        order: Order = .ascending
    ) {
        self.types = types
        self.typePatterns = typePatterns
        self.tenant = tenant
        self.userId = userId
        self.entityId = entityId
        self.from = from
        self.to = to
        self.afterSequence = afterSequence
        self.beforeSequence = beforeSequence
        self.limit = limit
        self.order = order
    }

    /// Whether `event` satisfies every criterion except ``limit`` and ``order``.
    ///
    /// In-memory storage uses this directly; SQL backends translate the same rules.
    public func matches(_ event: BillingEvent) -> Bool {
        if !types.isEmpty || !typePatterns.isEmpty {
            guard types.contains(event.type) || typePatterns.contains(where: { $0.matches(event.type) }) else { return false }
        }
        if !tenant.contains(event.tenantId) { return false }
        if let userId, event.userId != userId { return false }
        if let entityId, event.entityId != entityId { return false }
        if let from, event.timestamp < from { return false }
        if let to, event.timestamp >= to { return false }
        if let afterSequence, let sequence = event.sequence, sequence <= afterSequence { return false }
        if let beforeSequence, let sequence = event.sequence, sequence >= beforeSequence { return false }
        return true
    }

    /// Rejects filters no backend can answer sensibly.
    /// - Throws: ``BillingError`` coded `invalid.argument` naming the field.
    public func validate() throws {
        if let limit, limit < 1 {
            throw BillingError.invalid("limit", "limit must be at least 1, or nil for no limit")
        }
        if let afterSequence, afterSequence < 0 {
            throw BillingError.invalid("afterSequence", "afterSequence must not be negative")
        }
        if let beforeSequence, beforeSequence < 1 {
            throw BillingError.invalid("beforeSequence", "beforeSequence must be at least 1")
        }
    }
}
