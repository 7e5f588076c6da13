import BillingCore
import Foundation
import Testing
@testable import BillingPlugins

/// Realistic payloads for the template tests: BillingCore's payload structs encoded the way
/// events store them, plus the fields the notification plugin adds.
enum EmailTemplateFixtures {
    static func date(_ text: String) -> Date {
        guard let date = Timestamp.parse(text) else { preconditionFailure("bad fixture date \(text)") }
        return date
    }

    static func eur(_ minorUnits: Int64) -> Money { Money(minorUnits: minorUnits, currency: .eur) }

    /// `~` stands for U+00A0, the no-break space Russian uses for grouping and before the symbol.
    static func nbsp(_ text: String) -> String { text.replacingOccurrences(of: "~", with: "\u{00A0}") }

    static let invoice = InvoiceSnapshot(
        id: "inv_42", userId: "usr_7", number: "INV-2026-0042", status: "open",
        lineItems: [
            InvoiceLineItem(description: "Pro plan (monthly)", quantity: 1, unitPrice: eur(99_000), amount: eur(99_000)),
            InvoiceLineItem(description: "Extra seats", quantity: 3, unitPrice: eur(8_152), amount: eur(24_456), taxAmount: eur(4_647)),
        ],
        subtotal: eur(123_456), tax: eur(23_457), total: eur(146_913),
        issuedAt: date("2026-11-16T09:30:00Z"), dueAt: date("2026-12-01T00:00:00Z")
    )

    static let user = UserSnapshot(
        id: "usr_7", email: "anna@example.com", name: "Anna Petrova", country: "DE", locale: "ru-RU",
        createdAt: date("2026-11-02T10:00:00Z")
    )

    static let payment = PaymentSnapshot(
        id: "pay_9", userId: "usr_7", invoiceId: "inv_42", amount: eur(146_913), status: "succeeded", method: "card",
        provider: "stripe", providerReference: "pi_123", createdAt: date("2026-11-20T14:05:00Z")
    )

    /// One realistic payload per built-in template.
    static let payloads: [String: any BillingEventPayload] = [
        "invoice.generated": InvoiceGenerated(invoice: invoice, user: user),
        "invoice.paid": InvoicePaid(invoice: invoice, paymentId: "pay_9"),
        "invoice.overdue": InvoiceOverdue(invoice: invoice, daysOverdue: 5),
        "payment.completed": PaymentCompleted(payment: payment),
        "payment.failed": PaymentFailed(payment: payment, failureCode: "card_declined", failureMessage: "The card was declined"),
        "payment.refunded": PaymentRefunded(payment: payment, refundId: "re_77", refundedAmount: eur(2_500), reason: "Duplicate seat"),
        "user.created": UserCreated(user: user),
    ]

    /// The JSON of ``payloads``' entry for `template`, with the plugin's additions.
    static func data(for template: String, recipientName: String? = "Anna Petrova") throws -> JSONValue {
        guard let payload = payloads[template] else {
            throw BillingError(.notFound, "no fixture payload for \(template)")
        }
        return try data(payload, recipientName: recipientName, type: template)
    }

    /// The payload's JSON with the plugin's `recipient`, `event` and `tenantId`.
    static func data(
        _ payload: some Encodable,
        recipientName: String? = "Anna Petrova",
        type: String = "invoice.generated"
    ) throws -> JSONValue {
        guard case .object(var members) = try CanonicalJSON.value(from: payload) else {
            preconditionFailure("payloads are objects")
        }
        var recipient: JSONObject = ["email": "anna@example.com"]
        if let recipientName { recipient["name"] = .string(recipientName) }
        members["recipient"] = .object(recipient)
        members["event"] = ["id": "evt_01", "type": .string(type), "occurredAt": "2026-11-16T09:30:00.000000Z"]
        members["tenantId"] = "acme"
        return .object(members)
    }

    /// A fresh empty directory for override files; the caller removes it.
    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bilingus-templates-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func write(_ contents: String, to directory: String, name: String) throws {
        // Atomically, as hosts should: a reader never sees a half-written file.
        try Data(contents.utf8).write(to: URL(fileURLWithPath: directory).appendingPathComponent(name), options: .atomic)
    }

    /// Expects `body` to throw a `BillingError` with `code`, and returns it.
    @discardableResult
    static func expectError(_ code: BillingError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) -> BillingError? {
        do {
            try body()
            Issue.record("expected \(code), nothing was thrown", sourceLocation: sourceLocation)
        } catch let error as BillingError {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
            return error
        } catch {
            Issue.record("expected \(code), got \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }
}
