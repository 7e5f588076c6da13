// The Bilingus demo: a billing flow through BillingEngine on a SQLite file, with the
// reference fraud and tax plugins and a demo payment plugin.
// Run it with `Scripts/demo [path]`; run it again and it continues without repeating work.
//
//   user.created → balance.credited → invoice.generated (tax from tax-rules)
//   → initiatePayment: fraud-rules → tax-rules → payment.initiated
//     → demo-payment (its durable subscription) → payment.completed → invoice.paid
//   → a second payment that fraud-rules blocks → payment.failed (blocked)
//
// With STRIPE_API_KEY set (a test key, sk_test_...), the payment goes through
// StripePaymentPlugin to Stripe instead of the demo plugin; STRIPE_BASE_URL points it
// at another Stripe-API server (the local test server, say).
//
// The email plugin mails the invoice and the payment receipt: into a folder beside the
// database (`<path>-mail/*.eml`), or, with SMTP_HOST set, through that server
// (SMTP_PORT, SMTP_SECURITY, SMTP_USER, SMTP_PASSWORD, SMTP_FROM, SMTP_CA_FILE).
import Bilingus
import Foundation
import Logging

let path = CommandLine.arguments.dropFirst().first ?? "bilingus-demo.sqlite"
var logger = Logger(label: "billing.demo")
logger.logLevel = .warning

/// The payment plugin: Stripe when a key is given, else the demo plugin.
let environment = ProcessInfo.processInfo.environment
let stripeKey = environment["STRIPE_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
let payer = stripeKey == nil ? DemoPaymentPlugin.name : StripePaymentPlugin.name
let paymentPlugin: BillingEngine.PluginRegistration
if let stripeKey {
    var settings: PluginSettings = ["apiKey": .secret(stripeKey)]
    if let url = environment["STRIPE_BASE_URL"], !url.isEmpty { settings["baseURL"] = .init(.string(url)) }
    paymentPlugin = .init(installAtStart: settings) { StripePaymentPlugin() }
} else {
    paymentPlugin = .init(installAtStart: ["apiKey": .secret("demo_sk_not_a_real_key")]) { DemoPaymentPlugin() }
}

/// Mail: through SMTP when SMTP_HOST is set, else into a folder beside the database.
let mailFolder = path + "-mail"
var mailSettings: PluginSettings = [
    "from": "billing@bilingus.example", "fromName": "Bilingus Demo", "events": ["invoice.generated", "payment.completed"],
]
let smtpHost = environment["SMTP_HOST"].flatMap { $0.isEmpty ? nil : $0 }
if let smtpHost {
    mailSettings["smtpHost"] = .init(.string(smtpHost))
    if let port = environment["SMTP_PORT"].flatMap({ Int64($0) }) { mailSettings["smtpPort"] = .init(.int(port)) }
    for (variable, key) in [("SMTP_SECURITY", "security"), ("SMTP_USER", "user"), ("SMTP_FROM", "from"), ("SMTP_CA_FILE", "trustedCertificatesFile")] {
        if let value = environment[variable], !value.isEmpty { mailSettings[key] = .init(.string(value)) }
    }
    if let password = environment["SMTP_PASSWORD"], !password.isEmpty { mailSettings["password"] = .secret(password) }
} else {
    mailSettings["outboxDirectory"] = .init(.string(mailFolder))
}

try await BillingEngine.withEngine(
    // The audit log records every event in hash chains; a real host also gives it a signing key.
    BillingEngine.Configuration(paymentChecks: [RuleBasedFraudPlugin.name, RuleBasedTaxPlugin.name], audit: AuditConfiguration()),
    storage: .sqlite(path: path),
    plugins: [
        .init(installAtStart: [
            "reviewAbove": ["500.00 EUR"], "blockAbove": ["1000.00 EUR"],
            "maxPaymentsPerUser": 5, "velocityWindowSeconds": 3600,
            "blockedCountries": ["KP"], "blockedEmailDomains": ["mailinator.com"],
            "blockedCardFingerprints": ["fp_stolen_card"],
        ]) { RuleBasedFraudPlugin() },
        .init(installAtStart: [
            "rates": .init(["DE": 1900, "FR": 2000, "GB": 2000, "US-CA": 725]),
            "taxCodeRates": .init(["DE": ["ebook": 700]]),
            "sellerCountry": "DE",
        ]) { RuleBasedTaxPlugin() },
        paymentPlugin,
        .init(installAtStart: mailSettings) { EmailNotificationPlugin(recipients: DemoUsers()) },
    ],
    logger: logger
) { engine in
    let store = engine.storage
    let before = try await store.headSequence()
    print("Event store: \(path) (\(before) event(s) already stored)")
    for plugin in try await engine.plugins.installedPlugins() {
        print("Plugin: \(plugin.name) \(plugin.version) [\(plugin.status)], settings \(plugin.settings)")
    }

    // Every event, as it is stored (inline handler); a rerun stores nothing new, so prints nothing here.
    engine.events.subscribe(pattern: .all, name: "printer") { event in
        print("    event #\(event.sequence ?? 0) \(event.type)\(event.entityId.map { " (\($0))" } ?? "")")
    }

    /// Publishes with an idempotency key, so a second run stores nothing new.
    @discardableResult
    func publish(_ payload: some BillingEventPayload, key: String) async throws -> BillingEvent {
        let stored = try await engine.events.publish(payload, tenantId: "acme", idempotencyKey: key)
        if stored.isDuplicate {
            print("    (already stored: event #\(stored.event.sequence ?? 0) \(stored.event.type))")
        }
        return stored.event
    }

    /// The payment plugin's outcome for `initiated`; it arrives through a durable subscription.
    func outcome(of initiated: BillingEvent) async throws -> BillingEvent {
        // The demo plugin keys its outcome `…:outcome`; Stripe's plugin names the outcome.
        let keys = ["outcome", "completed", "failed", "requires_action"].map { "\(payer):\(initiated.id):\($0)" }
        for _ in 0..<3000 {
            for key in keys {
                if let event = try await store.event(tenantId: "acme", idempotencyKey: key) { return event }
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw BillingError(.timeout, "The payment plugin did not answer within 30 s")
    }

    /// One line per check that ran in `initiatePayment` (they run before the event is stored).
    func printChecks(_ initiation: PaymentInitiation) {
        guard let checks = initiation.checks else {
            print("    (already \(initiation.outcome) under this idempotency key: replayed, no check ran again)")
            return
        }
        for (plugin, result) in checks.stages {
            let next = result.shouldContinue ? "→ next" : "→ stop"
            print("    check \(plugin): \(result.success ? summary(result.data) : "failed: \(result.error ?? "?")") \(next)")
        }
    }

    /// A fraud verdict or a tax breakdown, in one line.
    func summary(_ data: JSONValue?) -> String {
        if let tax = data.flatMap({ try? CanonicalJSON.decode(TaxResult.self, from: $0) }), let line = tax.lines.first {
            return "\(tax.total) includes \(tax.totalTax) tax (\(line.jurisdiction) \(percent(line.rateBasisPoints)))"
        }
        guard let verdict = data?.objectValue, let decision = verdict["decision"]?.stringValue else {
            return data.map { CanonicalJSON.string($0) } ?? "ok"
        }
        let reasons = verdict["reasons"]?.arrayValue?.compactMap(\.stringValue) ?? []
        return "\(decision), score \(verdict["score"]?.intValue ?? 0)" + (reasons.isEmpty ? "" : ": " + reasons.joined(separator: "; "))
    }

    func percent(_ basisPoints: Int) -> String {
        "\(basisPoints / 100).\(String(format: "%02d", basisPoints % 100))%"
    }

    let eur = CurrencyCode.eur
    let user = DemoUsers.ada

    print("\n1. Create a user")
    try await publish(UserCreated(user: user), key: "user-1-created")

    print("\n2. Credit her balance")
    let credit = try Money(parsing: "50.00 EUR")
    let balance = BalanceSnapshot(id: "balance-1", userId: user.id, amount: credit)
    try await publish(BalanceCredited(balance: balance, amount: credit, transactionId: "txn-1"), key: "txn-1-credited")

    print("\n3. Generate an invoice with tax from tax-rules")
    let items = [
        (description: "Pro plan", quantity: Int64(1), unitPrice: Money(minorUnits: 4900, currency: eur), taxCode: String?.none),
        (description: "Extra seats", quantity: 3, unitPrice: Money(minorUnits: 700, currency: eur), taxCode: nil),
    ]
    let request = TaxCalculationRequest(
        lineItems: try items.enumerated().map { index, item in
            TaxLineItem(id: "line-\(index + 1)", amount: try item.unitPrice.multiplied(by: item.quantity), taxCode: item.taxCode)
        },
        country: user.country ?? "DE"
    )
    let tax = try await engine.plugins.call(RuleBasedTaxPlugin.name, as: (any TaxPlugin).self) { try await $0.calculateTax(request) }
    for line in tax.lines {
        print("    tax-rules: \(line.id) \(line.taxableAmount) at \(percent(line.rateBasisPoints)) (\(line.jurisdiction)) = \(line.taxAmount)")
    }
    print("    tax-rules: subtotal \(tax.subtotal), tax \(tax.totalTax), total \(tax.total)")
    let invoice = InvoiceSnapshot(
        id: "inv-1001", userId: user.id, number: "2026-1001", status: "open",
        lineItems: zip(items, tax.lines).map { item, line in
            InvoiceLineItem(description: item.description, quantity: item.quantity, unitPrice: item.unitPrice, amount: line.taxableAmount, taxAmount: line.taxAmount)
        },
        subtotal: tax.subtotal, tax: tax.totalTax, total: tax.total
    )
    try await publish(InvoiceGenerated(invoice: invoice, user: user), key: "inv-1001-generated")

    print("\n4. Pay it: fraud-rules → tax-rules → \(payer)")
    let payment = PaymentSnapshot(id: "pay-1", userId: user.id, invoiceId: invoice.id, amount: invoice.total, status: "pending", method: "card")
    let first = try await engine.initiatePayment(
        payment, paymentMethodId: "pm_card_visa", user: user, tenantId: "acme",
        metadata: ["country": "DE", "cardFingerprint": "fp_ada_visa"], idempotencyKey: "pay-1-initiated"
    )
    printChecks(first)
    let paid = try await outcome(of: first.event)
    let reference = (try? paid.decodePayload(as: PaymentCompleted.self))?.payment.providerReference ?? "-"
    print("    \(payer): \(paid.type) (\(reference))")

    print("\n5. Mark the invoice paid")
    if paid.type == .paymentCompleted {
        var settled = invoice
        settled.status = "paid"
        try await publish(InvoicePaid(invoice: settled, paymentId: payment.id), key: "inv-1001-paid")
    }

    print("\n6. A second payment, which fraud-rules blocks")
    let risky = PaymentSnapshot(id: "pay-2", userId: user.id, amount: try Money(parsing: "2500.00 EUR"), status: "pending", method: "card")
    let second = try await engine.initiatePayment(
        risky, paymentMethodId: "pm_card_visa", user: user, tenantId: "acme",
        metadata: ["country": "DE", "cardFingerprint": "fp_stolen_card"], idempotencyKey: "pay-2-initiated"
    )
    printChecks(second)
    print("    → \(second.outcome) by \(second.blockedBy ?? "-"), recorded as \(second.event.type) (code \(BillingEngine.blockedFailureCode))")
    print("    \(payer) was never asked: \(try await store.events(forEntity: "pay-2", tenant: "acme").map(\.type.rawValue))")

    print("\nQueries:")
    print("  events(forEntity: \"pay-1\", tenant: \"acme\") → \(try await store.events(forEntity: "pay-1", tenant: "acme").map { "#\($0.sequence ?? 0) \($0.type)" })")
    print("  events(ofType: .paymentFailed, tenant: \"acme\") → \(try await store.events(ofType: .paymentFailed, tenant: "acme").count) event(s)")
    print("  events(matching: EventFilters(tenant: \"acme\", userId: \"user-1\")) → \(try await store.events(matching: EventFilters(tenant: "acme", userId: user.id)).count) event(s)")

    // Let the payment and email plugins' durable subscriptions acknowledge what they handled.
    for plugin in [payer, EmailNotificationPlugin.name] {
        let subscription = PluginManager.subscriptionName(of: plugin)
        for _ in 0..<3000 where try await engine.subscriptions.status(of: subscription).lag > 0 {
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    print("\nMail (\(EmailNotificationPlugin.name)): " + (smtpHost.map { "sent through \($0)" } ?? "written as .eml files to \(mailFolder)"))
    for sent in try await store.events(ofType: NotificationSent.eventType, tenant: "acme") {
        let notification = try sent.decodePayload(as: NotificationSent.self)
        print("    \(notification.template) → \(notification.recipient) (\(notification.locale ?? "-")): notification.sent")
    }
    for failed in try await store.events(ofType: NotificationFailed.eventType, tenant: "acme") {
        let notification = try failed.decodePayload(as: NotificationFailed.self)
        print("    \(notification.template) → \(notification.recipient): notification.failed (\(notification.code)): \(notification.reason)")
    }
    guard let audit = engine.audit else { fatalError("the demo configures the audit log") }
    let head = try await store.headSequence()
    for _ in 0..<3000 where try await engine.subscriptions.status(of: AuditLog.subscription).cursor < head {
        try await Task.sleep(for: .milliseconds(10))
    }
    print("\nAudit log (verify):")
    for result in try await audit.verifyAll() {
        print("    \(result.chain): \(result.entries) entries, " + (result.problem.map { "BROKEN: \($0)" } ?? "ok"))
    }

    print("\nHealth:")
    print((await engine.health()).description.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
}
