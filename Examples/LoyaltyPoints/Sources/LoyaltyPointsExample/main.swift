// A host running the third-party LoyaltyPoints plugin: register it with the engine,
// install it with its settings, give one tenant its own rate, and watch it react to
// paid invoices. Run it with `swift run LoyaltyPointsExample`.
import Bilingus
import LoyaltyPoints
import Logging

var logger = Logger(label: "loyalty.example")
logger.logLevel = .warning

try await BillingEngine.withEngine(
    storage: .inMemory,
    plugins: [.init(installAtStart: ["pointsPerUnit": 10]) { LoyaltyPointsPlugin() }],
    logger: logger
) { engine in
    let awards = engine.events.subscribe(to: LoyaltyPointsAwarded.self) { award, event in
        print("  loyalty.points_awarded: \(award.userId) +\(award.points) points (invoice \(award.invoiceId), tenant \(event.tenantId ?? "-"))")
    }
    defer { awards.cancel() }
    // The tenant "beta" runs a double-points promotion: its own setting, no reload.
    try await engine.plugins.setSettings(["pointsPerUnit": 20], forTenant: "beta", of: LoyaltyPointsPlugin.name)

    let total = Money(minorUnits: 11_999, currency: .usd)
    let invoice = InvoiceSnapshot(id: "inv-1", userId: "user-1", status: "paid", subtotal: total, tax: .zero(.usd), total: total)
    print("Publishing invoice.paid for \(total) in tenant acme, twice (as a retrying host would), and once in tenant beta:")
    for _ in 0..<2 {
        try await engine.events.publish(InvoicePaid(invoice: invoice, paymentId: "pay-1"), tenantId: "acme", idempotencyKey: "inv-1-paid")
    }
    try await engine.events.publish(InvoicePaid(invoice: invoice, paymentId: "pay-1"), tenantId: "beta", idempotencyKey: "inv-1-paid")

    // The plugin receives events through its durable subscription; wait until it caught up.
    let subscription = PluginManager.subscriptionName(of: LoyaltyPointsPlugin.name)
    while try await engine.subscriptions.status(of: subscription).lag > 0 {
        try await Task.sleep(for: .milliseconds(10))
    }
    for tenant in ["acme", "beta"] {
        let points = try await engine.storage.events(ofType: LoyaltyPointsAwarded.eventType, tenant: .tenant(tenant))
            .map { try $0.decodePayload(as: LoyaltyPointsAwarded.self).points }
            .reduce(0, +)
        print("user-1 has \(points) points in tenant \(tenant).")
    }
    print("The plugin is \(try await engine.plugins.installedPlugins()[0].status).")
}
