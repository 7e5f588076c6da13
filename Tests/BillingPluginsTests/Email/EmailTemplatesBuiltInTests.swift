import BillingCore
import Foundation
import Testing
@testable import BillingPlugins

/// Every built-in template, in both languages, with the payloads events really carry.
@Suite("Email templates: built-ins")
struct EmailTemplatesBuiltInTests {
    typealias F = EmailTemplateFixtures
    let templates: EmailTemplates

    init() throws {
        templates = try EmailTemplates()
    }

    static let builtIns = ["invoice.generated", "invoice.paid", "invoice.overdue", "payment.completed", "payment.failed", "payment.refunded", "user.created"]

    /// What a rendered email must never show: Mustache left-overs, Swift's spelling of nothing,
    /// or a sentence's full stop after a date that ends in one (`2026 г..`).
    static func expectClean(_ email: RenderedEmail, sourceLocation: SourceLocation = #_sourceLocation) {
        for (part, text) in [("subject", email.subject), ("text", email.text), ("html", email.html)] {
            for garbage in ["{{", "}}", "Optional(", "nil", "null", "NSNull", "()", " ,", " .", ".."] {
                #expect(!text.contains(garbage), "\(part) of \(email.locale) contains '\(garbage)':\n\(text)", sourceLocation: sourceLocation)
            }
        }
        #expect(!email.subject.isEmpty && !email.text.isEmpty && !email.html.isEmpty, sourceLocation: sourceLocation)
        #expect(!email.subject.unicodeScalars.contains { $0.properties.generalCategory == .control }, sourceLocation: sourceLocation)
    }

    @Test("The built-in set is exactly the seven event types, each in en and ru")
    func builtInSet() {
        #expect(EmailTemplates.builtInTemplates == Set(Self.builtIns))
        let pairs = Set(BuiltInEmailTemplates.all.map { "\($0.template).\($0.locale)" })
        #expect(pairs.count == BuiltInEmailTemplates.all.count)
        #expect(pairs == Set(Self.builtIns.flatMap { ["\($0).en", "\($0).ru"] }))
    }

    @Test("Every built-in renders in en and ru, cleanly, with a localized subject", arguments: builtIns)
    func rendersInBothLanguages(template: String) throws {
        let data = try F.data(for: template)
        let english = try templates.render(template, locale: "en", data: data)
        let russian = try templates.render(template, locale: "ru", data: data)
        #expect(english.locale == "en" && russian.locale == "ru")
        #expect(english.source == EmailTemplates.builtInSource && russian.source == EmailTemplates.builtInSource)
        Self.expectClean(english)
        Self.expectClean(russian)
        #expect(english.subject != russian.subject)
        // Russian text is in Cyrillic, the English has none.
        let cyrillic: (String) -> Bool = { $0.unicodeScalars.contains { (0x0400...0x04FF).contains($0.value) } }
        #expect(cyrillic(russian.subject) && cyrillic(russian.text) && cyrillic(russian.html))
        #expect(!cyrillic(english.subject) && !cyrillic(english.text) && !cyrillic(english.html))
        #expect(english.html.contains("<html lang=\"en\">") && russian.html.contains("<html lang=\"ru\">"))
        #expect(english.text.hasPrefix("Hello Anna Petrova,") && russian.text.hasPrefix("Здравствуйте, Anna Petrova!"))
    }

    @Test("invoice.generated: number, items, totals and due date, formatted per locale")
    func invoiceGenerated() throws {
        let data = try F.data(for: "invoice.generated")
        let english = try templates.render("invoice.generated", locale: "en", data: data)
        #expect(english.subject == "Invoice INV-2026-0042 for €1,469.13, due 1 December 2026")
        #expect(english.text == """
            Hello Anna Petrova,

            A new invoice, number INV-2026-0042, has been issued to you on 16 November 2026.

            Items:
            - Pro plan (monthly): 1 × €990.00 = €990.00
            - Extra seats: 3 × €81.52 = €244.56 (tax €46.47)

            Subtotal: €1,234.56
            Tax: €234.57
            Total due: €1,469.13

            Please pay by 1 December 2026.

            If you have any questions, just reply to this email.

            """)
        #expect(english.html.contains("<td>Extra seats</td><td align=\"right\">3</td><td align=\"right\">€81.52</td>"))
        #expect(english.html.contains("<strong>€1,469.13</strong>"))

        let russian = try templates.render("invoice.generated", locale: "ru", data: data)
        #expect(russian.subject == F.nbsp("Счёт № INV-2026-0042 на сумму 1~469,13~€, оплатить до 1 декабря 2026 г."))
        let lines: [String] = [
            "Вам выставлен новый счёт № INV-2026-0042 от 16 ноября 2026 г. на сумму 1~469,13~€.",
            "- Pro plan (monthly): 1 × 990,00~€ = 990,00~€",
            "- Extra seats: 3 × 81,52~€ = 244,56~€ (налог: 46,47~€)",
            "Сумма без налога: 1~234,56~€", "Налог: 234,57~€", "Итого к оплате: 1~469,13~€",
            "Пожалуйста, оплатите счёт до 1 декабря 2026 г. включительно.",
        ]
        for line in lines {
            #expect(russian.text.contains(F.nbsp(line)), "missing: \(line)\n\(russian.text)")
        }
        #expect(russian.html.contains(F.nbsp("<strong>1~469,13~€</strong>")))
    }

    @Test("invoice.paid, invoice.overdue: totals, payment reference, days overdue")
    func invoicePaidAndOverdue() throws {
        let paid = try F.data(for: "invoice.paid")
        #expect(try templates.render("invoice.paid", locale: "en", data: paid).subject == "Invoice INV-2026-0042 is paid: €1,469.13")
        let paidRu = try templates.render("invoice.paid", locale: "ru", data: paid)
        #expect(paidRu.subject == F.nbsp("Счёт № INV-2026-0042 оплачен: 1~469,13~€"))
        #expect(paidRu.text.contains("Номер платежа: pay_9"))

        let overdue = try F.data(for: "invoice.overdue")
        let english = try templates.render("invoice.overdue", locale: "en", data: overdue)
        #expect(english.subject == "Overdue: invoice INV-2026-0042 for €1,469.13")
        #expect(english.text.contains("Invoice INV-2026-0042 for €1,469.13 was due on 1 December 2026 and has not been paid yet."))
        #expect(english.text.contains("Days overdue: 5"))
        let russian = try templates.render("invoice.overdue", locale: "ru", data: overdue)
        #expect(russian.subject == F.nbsp("Просрочена оплата счёта № INV-2026-0042 на сумму 1~469,13~€"))
        #expect(russian.text.contains(F.nbsp("Срок оплаты счёта № INV-2026-0042 на сумму 1~469,13~€ истёк 1 декабря 2026 г., но оплата пока не поступила.")))
        #expect(russian.text.contains("Дней просрочки: 5"))
    }

    @Test("payment.completed, payment.failed, payment.refunded: amounts, failure message, refunded amount")
    func payments() throws {
        let completed = try F.data(for: "payment.completed")
        let receipt = try templates.render("payment.completed", locale: "en", data: completed)
        #expect(receipt.subject == "Payment of €1,469.13 received")
        #expect(receipt.text.contains("payment of €1,469.13 made on 20 November 2026."))
        #expect(receipt.text.contains("Payment ID: pay_9\nInvoice: inv_42\nPayment method: card\n"))
        let receiptRu = try templates.render("payment.completed", locale: "ru", data: completed)
        #expect(receiptRu.subject == F.nbsp("Платёж на сумму 1~469,13~€ получен"))
        #expect(receiptRu.text.contains(F.nbsp("Мы получили ваш платёж от 20 ноября 2026 г. на сумму 1~469,13~€.")))

        let failed = try F.data(for: "payment.failed")
        let failure = try templates.render("payment.failed", locale: "en", data: failed)
        #expect(failure.subject == "Your payment of €1,469.13 could not be processed")
        #expect(failure.text.contains("Reason: The card was declined (card_declined)"))
        let failureRu = try templates.render("payment.failed", locale: "ru", data: failed)
        #expect(failureRu.subject == F.nbsp("Не удалось провести платёж на сумму 1~469,13~€"))
        #expect(failureRu.text.contains("Причина: The card was declined (card_declined)"))

        let refunded = try F.data(for: "payment.refunded")
        let refund = try templates.render("payment.refunded", locale: "en", data: refunded)
        #expect(refund.subject == "Refund of €25.00 issued")
        #expect(refund.text.contains("We have refunded €25.00 of your payment of €1,469.13 made on 20 November 2026."))
        #expect(refund.text.contains("Reason: Duplicate seat") && refund.text.contains("Refund reference: re_77"))
        let refundRu = try templates.render("payment.refunded", locale: "ru", data: refunded)
        #expect(refundRu.subject == F.nbsp("Оформлен возврат на сумму 25,00~€"))
        #expect(refundRu.text.contains(F.nbsp("Мы оформили возврат 25,00~€ по вашему платежу от 20 ноября 2026 г. на сумму 1~469,13~€.")))
        #expect(refundRu.text.contains("Причина возврата: Duplicate seat"))
    }

    @Test("user.created greets by name, in both languages")
    func userCreated() throws {
        let data = try F.data(for: "user.created")
        let english = try templates.render("user.created", locale: "en", data: data)
        #expect(english.subject == "Welcome, Anna Petrova!")
        #expect(english.text.contains("Your account has been created on 2 November 2026."))
        #expect(english.text.contains("We will send your invoices and payment receipts to anna@example.com."))
        let russian = try templates.render("user.created", locale: "ru", data: data)
        #expect(russian.subject == "Добро пожаловать, Anna Petrova!")
        #expect(russian.text.contains("Ваша учётная запись создана.\nДата регистрации: 2 ноября 2026 г.\n"))
    }

    @Test("Absent optional fields leave no gaps or garbage", arguments: builtIns)
    func absentOptionalFields(template: String) throws {
        let bare: any BillingEventPayload = switch template {
        case "invoice.generated": InvoiceGenerated(invoice: InvoiceSnapshot(id: "inv_1", userId: "u", status: "open", subtotal: F.eur(0), tax: F.eur(0), total: F.eur(0)))
        case "invoice.paid": InvoicePaid(invoice: InvoiceSnapshot(id: "inv_1", userId: "u", status: "paid", subtotal: F.eur(500), tax: F.eur(0), total: F.eur(500)))
        case "invoice.overdue": InvoiceOverdue(invoice: InvoiceSnapshot(id: "inv_1", userId: "u", status: "overdue", subtotal: F.eur(500), tax: F.eur(0), total: F.eur(500)), daysOverdue: 1)
        case "payment.completed": PaymentCompleted(payment: PaymentSnapshot(id: "pay_1", userId: "u", amount: F.eur(500), status: "succeeded"))
        case "payment.failed": PaymentFailed(payment: PaymentSnapshot(id: "pay_1", userId: "u", amount: F.eur(500), status: "failed"), failureMessage: "")
        case "payment.refunded": PaymentRefunded(payment: PaymentSnapshot(id: "pay_1", userId: "u", amount: F.eur(500), status: "refunded"), refundId: "re_1", refundedAmount: F.eur(500))
        default: UserCreated(user: UserSnapshot(id: "u"))
        }
        // No recipient name either, and no `event` or `tenantId` at all.
        guard case .object(var members) = try CanonicalJSON.value(from: bare) else { Issue.record("not an object"); return }
        members["recipient"] = ["email": "someone@example.com", "name": .null]
        for locale in ["en", "ru"] {
            let email = try templates.render(template, locale: locale, data: .object(members))
            Self.expectClean(email)
            #expect(email.text.hasPrefix(locale == "en" ? "Hello,\n" : "Здравствуйте!\n"))
            #expect(!email.text.contains("\n\n\n"), "three line breaks in a row:\n\(email.text)")
        }
        let english = try templates.render(template, locale: "en", data: .object(members))
        if template == "invoice.generated" {
            #expect(english.subject == "Invoice for €0.00")
            #expect(!english.text.contains("Items:") && !english.html.contains("<th"))
        }
        if template == "user.created" { #expect(english.subject == "Welcome!") }
        if template == "payment.failed" { #expect(!english.text.contains("Reason")) }
    }
}
