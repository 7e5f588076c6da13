public import BillingCore

/// A plugin as a third party writes it: against BillingCore's public API only, as an actor.
///
/// On `invoice.paid` it awards `pointsPerUnit` loyalty points per whole currency unit
/// of the invoice total (so 119.99 USD and 11,999 JPY earn 119 and 11,999 points at one
/// point per unit) by publishing ``LoyaltyPointsAwarded``. Delivery is at least once:
/// the award's idempotency key comes from the paid event's id, so a redelivered event
/// never awards twice.
///
/// Settings: `pointsPerUnit` (integer ≥ 1, default 1). A tenant may have its own value;
/// every event uses its tenant's.
public actor LoyaltyPointsPlugin: BillingPlugin {
    public static let name = "loyalty-points"
    public nonisolated let version = "0.4.0"
    public nonisolated let description = "Awards loyalty points for paid invoices"
    public nonisolated let author = "Example Third Party"
    public nonisolated var eventPatterns: [EventPattern] { ["invoice.paid"] }

    private var publisher: (any EventPublisher)?

    /// Creates the plugin; settings arrive in `initialize` and with every call.
    public init() {}

    public func initialize(_ config: PluginConfig) async throws {
        _ = try Self.pointsPerUnit(in: config.settings)  // refuse bad defaults at install time
        publisher = config.publisher
    }

    public func execute(_ context: BillingContext) async throws -> PluginResult {
        guard context.eventType == .invoicePaid else {
            return .success()
        }
        guard let publisher else { return .failure(message: "loyalty-points is not initialized") }
        let paid = try context.decodePayload(as: InvoicePaid.self)
        let points = try Self.points(for: paid.invoice.total, perUnit: try Self.pointsPerUnit(in: context.settings))
        let event = context.event
        try await publisher.publish(
            LoyaltyPointsAwarded(userId: paid.invoice.userId, invoiceId: paid.invoice.id, points: points),
            tenantId: event.tenantId, idempotencyKey: "loyalty:\(event.id)", causationId: event.id
        )
        return .success(["points": .int(points)])
    }

    public func shutdown() async throws {
        publisher = nil
    }

    public func healthCheck() async -> PluginHealth {
        publisher == nil ? .unhealthy("not initialized") : .healthy
    }

    /// The `pointsPerUnit` setting, checked.
    static func pointsPerUnit(in settings: PluginSettings) throws -> Int64 {
        let pointsPerUnit = try settings.int("pointsPerUnit", default: 1)
        guard pointsPerUnit > 0 else {
            throw BillingError(.invalidArgument, "Setting 'pointsPerUnit' must be positive", field: "pointsPerUnit")
        }
        return pointsPerUnit
    }

    /// Whole currency units of `total` times `perUnit`; money stays in integers.
    static func points(for total: Money, perUnit: Int64) throws -> Int64 {
        let wholeUnits = max(0, total.minorUnits) / total.currency.minorUnitsPerMajorUnit
        let (points, overflow) = wholeUnits.multipliedReportingOverflow(by: perUnit)
        guard !overflow else {
            throw BillingError(.overflow, "The points for this invoice do not fit in 64 bits", field: "pointsPerUnit")
        }
        return points
    }
}
