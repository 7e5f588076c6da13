// The Bilingus demo: a billing flow through BillingEngine on a SQLite file.
// Run it with `Scripts/demo [path]`; run it again and nothing is done twice.
//
// payment.initiated → the demo payment plugin (through its durable subscription)
//                   → payment.completed or payment.failed
import Bilingus
import Foundation
import Logging

let path = CommandLine.arguments.dropFirst().first ?? "bilingus-demo.sqlite"
var logger = Logger(label: "billing.demo")
logger.logLevel = .warning

let configuration = BillingEngine.Configuration(
    storage: .sqlite(path: path),
    plugins: [
        .init("demo-payment", installAtStart: ["declineAboveMinorUnits": 50_000, "apiKey": .secret("demo_sk_not_a_real_key")]) {
            DemoPaymentPlugin()
        }
    ],
    logger: logger
)

try await BillingEngine.withEngine(configuration) { engine in
    let store = engine.events.store
    let before = try await store.headSequence()
    print("Event store: \(path) (\(before) event(s) already stored)")
    for plugin in try await engine.listInstalledPlugins() {
        print("Plugin: \(plugin.name) \(plugin.version) [\(plugin.status)], settings \(plugin.settings)")
    }
    print()

    engine.events.subscribe(pattern: .all, name: "printer") { event in
        print("  #\(event.sequence ?? 0) \(event.type)\(event.entityId.map { " entity=\($0)" } ?? "")")
    }

    let usd = CurrencyCode.usd
    let user = UserSnapshot(id: "user-1", email: "ada@example.com", name: "Ada", country: "DE", locale: "en")
    let lines = [
        InvoiceLineItem(description: "Pro plan", quantity: 1, unitPrice: Money(minorUnits: 4900, currency: usd), amount: Money(minorUnits: 4900, currency: usd)),
        InvoiceLineItem(description: "Extra seats", quantity: 3, unitPrice: Money(minorUnits: 700, currency: usd), amount: Money(minorUnits: 2100, currency: usd)),
    ]
    let subtotal = try Money.sum(lines.map(\.amount), currency: usd)
    let tax = try subtotal.multiplied(by: 19, dividedBy: 100)
    let invoice = InvoiceSnapshot(
        id: "inv-1001", userId: user.id, number: "2026-1001", status: "open", lineItems: lines,
        subtotal: subtotal, tax: tax, total: try subtotal.adding(tax)
    )

    /// Publishes with an idempotency key, so a second run stores nothing new.
    @discardableResult
    func publish(_ payload: some BillingEventPayload, key: String) async throws -> BillingEvent {
        let stored = try await engine.events.publish(payload, tenantId: "acme", idempotencyKey: key)
        if stored.sequence ?? 0 <= before {
            print("  (already stored: #\(stored.sequence ?? 0) \(stored.type))")
        }
        return stored
    }

    /// Waits for the payment plugin's outcome for `initiated` (it arrives through a durable subscription).
    func outcome(of initiated: BillingEvent) async throws -> BillingEvent {
        let key = "demo-payment:\(initiated.id):outcome"
        for _ in 0..<500 {
            if let event = try await store.event(tenantId: "acme", idempotencyKey: key) { return event }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw BillingError(.timeout, "The payment plugin did not answer within 5 s")
    }

    print("A billing flow for \(user.name ?? user.id):")
    try await publish(UserCreated(user: user), key: "user-1-created")
    try await publish(InvoiceGenerated(invoice: invoice, user: user), key: "inv-1001-generated")

    let payment = PaymentSnapshot(id: "pay-1", userId: user.id, invoiceId: invoice.id, amount: invoice.total, status: "pending", method: "card")
    let approved = try await outcome(of: try await publish(PaymentInitiated(payment: payment, paymentMethodId: "pm_card_visa"), key: "pay-1-initiated"))
    print("  → payment pay-1 (\(payment.amount)): \(approved.type)")
    if approved.type == .paymentCompleted {
        var paid = invoice
        paid.status = "paid"
        try await publish(InvoicePaid(invoice: paid, paymentId: payment.id), key: "inv-1001-paid")
    }

    let risky = PaymentSnapshot(id: "pay-2", userId: user.id, amount: Money(minorUnits: 120_000, currency: usd), status: "pending", method: "card")
    let declined = try await outcome(of: try await publish(PaymentInitiated(payment: risky, paymentMethodId: "pm_card_visa"), key: "pay-2-initiated"))
    let reason = (try? declined.decodePayload(as: PaymentFailed.self)).map { " (\($0.failureCode ?? "?"): \($0.failureMessage))" } ?? ""
    print("  → payment pay-2 (\(risky.amount)): \(declined.type)\(reason)")

    print("\nQueries:")
    print("  getEventsByEntity(\"pay-1\") → \(try await store.getEventsByEntity("pay-1").map { "#\($0.sequence ?? 0) \($0.type)" })")
    print("  getEventsByType(.paymentFailed) → \(try await store.getEventsByType(.paymentFailed).count) event(s)")

    // Let the plugin's durable subscription acknowledge what it handled.
    for _ in 0..<500 where try await engine.subscriptions.status(of: "plugin.demo-payment").lag > 0 {
        try await Task.sleep(for: .milliseconds(10))
    }
    print("\nHealth:")
    print((await engine.health()).description.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
}
