// A host running the third-party LoyaltyPoints plugin: register it with the engine,
// install it with its settings, and watch it react to paid invoices.
// Run it with `swift run LoyaltyPointsExample`.
import Bilingus
import LoyaltyPoints
import Logging

var logger = Logger(label: "loyalty.example")
logger.logLevel = .warning
let configuration = BillingEngine.Configuration(
    storage: .inMemory,
    plugins: [.init("loyalty-points", installAtStart: ["pointsPerUnit": 10]) { LoyaltyPointsPlugin() }],
    logger: logger
)

try await BillingEngine.withEngine(configuration) { engine in
    let awards = engine.events.subscribe(to: LoyaltyPointsAwarded.self) { award, _ in
        print("  loyalty.points_awarded: \(award.userId) +\(award.points) points (invoice \(award.invoiceId))")
    }
    defer { awards.cancel() }

    let total = Money(minorUnits: 11_999, currency: .usd)
    let invoice = InvoiceSnapshot(id: "inv-1", userId: "user-1", status: "paid", subtotal: total, tax: .zero(.usd), total: total)
    print("Publishing invoice.paid for \(total), twice (as a retrying host would):")
    for _ in 0..<2 {
        try await engine.events.publish(InvoicePaid(invoice: invoice, paymentId: "pay-1"), idempotencyKey: "inv-1-paid")
    }

    // The plugin receives events through its durable subscription; wait until it caught up.
    while try await engine.subscriptions.status(of: "plugin.loyalty-points").lag > 0 {
        try await Task.sleep(for: .milliseconds(10))
    }
    let points = try await engine.events.store.getEventsByType(LoyaltyPointsAwarded.eventType)
        .map { try $0.decodePayload(as: LoyaltyPointsAwarded.self).points }
        .reduce(0, +)
    print("user-1 has \(points) points; the plugin is \(try await engine.listInstalledPlugins()[0].status).")
}
