// The Bilingus demo: publish typed billing events into a SQLite file, react to
// them with subscribers, and query the store. Run it with `Scripts/demo [path]`.
//
// Every publish carries an idempotency key, so running the demo again against the
// same file stores nothing twice: the events come back as already stored and no
// subscriber runs for them.
import Bilingus
import Foundation
import Logging

let path = CommandLine.arguments.dropFirst().first ?? "bilingus-demo.sqlite"
var logger = Logger(label: "billing.demo")
logger.logLevel = .warning

let store = try SQLiteEventStore(path: path)
let bus = EventBus(store: store, logger: logger)
let headBefore = try await store.headSequence()
print("Event store: \(path) (\(headBefore) event(s) already stored)\n")

func show(_ prefix: String, _ event: BillingEvent) {
    let entity = event.entityId.map { " entity=\($0)" } ?? ""
    print("\(prefix) #\(event.sequence ?? 0) \(event.type)\(entity)")
}

// Subscribers: by exact type, by pattern, and by typed payload.
bus.subscribe(pattern: "invoice.*", name: "invoice-log") { event in
    show("  [invoice.*]    ", event)
}
bus.subscribe(to: PaymentCompleted.self, name: "receipts") { payment, _ in
    print("  [receipts]      send a receipt for \(payment.payment.amount) to user \(payment.payment.userId)")
}
let audit = bus.subscribe(pattern: .all, name: "audit") { event in
    show("  [audit *]      ", event)
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
let payment = PaymentSnapshot(id: "pay-1", userId: user.id, invoiceId: invoice.id, amount: invoice.total, status: "succeeded", method: "card")
var paid = invoice
paid.status = "paid"

/// Publishes and says whether the event was new or already stored.
func publish(_ payload: some BillingEventPayload, key: String) async throws {
    let stored = try await bus.publish(payload, tenantId: "acme", idempotencyKey: key)
    if stored.sequence ?? 0 <= headBefore {
        print("  (already stored as #\(stored.sequence ?? 0) \(stored.type); no subscriber ran)")
    }
}

print("Publishing a billing flow for \(user.name ?? user.id):")
try await publish(UserCreated(user: user), key: "user-1-created")
try await publish(InvoiceGenerated(invoice: invoice, user: user), key: "inv-1001-generated")
try await publish(PaymentCompleted(payment: payment), key: "pay-1-completed")
try await publish(InvoicePaid(invoice: paid, paymentId: payment.id), key: "inv-1001-paid")

print("\nPublishing the invoice again with the same idempotency key:")
let again = try await bus.publish(InvoiceGenerated(invoice: invoice, user: user), tenantId: "acme", idempotencyKey: "inv-1001-generated")
print("  returned the stored event #\(again.sequence ?? 0); no subscriber ran")

audit.cancel()
print("\nQueries:")
let invoiceEvents = try await store.getEventsByEntity(invoice.id)
print("  getEventsByEntity(\"\(invoice.id)\") → \(invoiceEvents.map { "#\($0.sequence ?? 0) \($0.type)" })")
let payments = try await store.getEventsByType(.paymentCompleted)
print("  getEventsByType(.paymentCompleted) → \(payments.count) event(s), amount \(try payments[0].decodePayload(as: PaymentCompleted.self).payment.amount)")
let latest = try await store.getEvents(EventFilters(tenantId: "acme", limit: 2, order: .descending))
print("  getEvents(tenant acme, newest 2) → \(latest.map { "#\($0.sequence ?? 0) \($0.type)" })")
print("  head sequence → \(try await store.headSequence())")
print("\nCanonical JSON of the stored invoice.paid event:")
print("  " + String(decoding: try await store.getEventsByType(.invoicePaid)[0].canonicalJSON, as: UTF8.self))
