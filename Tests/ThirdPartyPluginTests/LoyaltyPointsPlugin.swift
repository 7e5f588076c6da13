import BillingCore

/// A plugin as a third party would write it: public API only, as an actor.
///
/// On `invoice.paid` it awards loyalty points (`pointsPerUnit` per whole currency
/// unit paid) by publishing `loyalty.points_awarded`. The outcome event's
/// idempotency key comes from the paid event's id, so a redelivered event never
/// awards twice.
actor LoyaltyPointsPlugin: BillingPlugin {
    nonisolated let name = "loyalty-points"
    nonisolated let version = "0.3.0"
    nonisolated let description = "Awards loyalty points for paid invoices"
    nonisolated let author = "Example Third Party"
    nonisolated var eventPatterns: [EventPattern] { ["invoice.paid"] }

    static let pointsAwarded = try! BillingEventType("loyalty.points_awarded")

    private var bus: EventBus?
    private var pointsPerUnit: Int64 = 1

    func initialize(_ config: PluginConfig) async throws {
        let pointsPerUnit = try config.settings.int("pointsPerUnit", default: 1)
        guard pointsPerUnit > 0 else {
            throw BillingError(.invalidArgument, "Setting 'pointsPerUnit' must be positive", field: "pointsPerUnit")
        }
        self.pointsPerUnit = pointsPerUnit
        bus = config.bus
    }

    func execute(_ context: BillingContext) async throws -> PluginResult {
        guard context.eventType == .invoicePaid, let event = context.event, let bus else {
            return .success()
        }
        let paid = try context.decodePayload(as: InvoicePaid.self)
        var unitSize: Int64 = 1
        for _ in 0..<paid.invoice.total.currency.minorUnitExponent { unitSize *= 10 }
        let points = paid.invoice.total.minorUnits / unitSize * pointsPerUnit
        try await bus.publish(
            BillingEvent(
                type: Self.pointsAwarded, payload: ["userId": .string(paid.invoice.userId), "points": .int(points)],
                tenantId: event.tenantId, userId: paid.invoice.userId, entityId: paid.invoice.userId,
                idempotencyKey: "loyalty:\(event.id)", causationId: event.id
            )
        )
        return .success(["points": .int(points)])
    }

    func shutdown() async throws {
        bus = nil
    }
}
