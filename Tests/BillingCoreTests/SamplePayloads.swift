import BillingCore
import Foundation

/// One realistic payload for each of the specification's 22 event types.
enum SamplePayloads {
    static let usd = CurrencyCode.usd
    static let date = Date(timeIntervalSince1970: 1_790_000_000.123456)
    static let user = UserSnapshot(id: "u-1", email: "ada@example.com", name: "Ada \"Countess\" Lovelace", country: "GB", locale: "en", createdAt: date)
    static let balance = BalanceSnapshot(id: "b-1", userId: "u-1", amount: Money(minorUnits: 12_345, currency: usd), updatedAt: date)
    static let transaction = TransactionSnapshot(id: "t-1", userId: "u-1", kind: "credit", amount: Money(minorUnits: 500, currency: .jpy), status: "pending", reference: "ord/7", createdAt: date)
    static let currency = CurrencySnapshot(.kwd)
    static let invoice = InvoiceSnapshot(
        id: "inv-1", userId: "u-1", number: "2026-0001", status: "open",
        lineItems: [InvoiceLineItem(description: "Plan — Pro\n(annual)", quantity: 2, unitPrice: Money(minorUnits: 1000, currency: usd), amount: Money(minorUnits: 2000, currency: usd), taxAmount: Money(minorUnits: 380, currency: usd))],
        subtotal: Money(minorUnits: 2000, currency: usd), tax: Money(minorUnits: 380, currency: usd), total: Money(minorUnits: 2380, currency: usd),
        issuedAt: date, dueAt: date.addingTimeInterval(86_400 * 14)
    )
    static let payment = PaymentSnapshot(id: "p-1", userId: "u-1", invoiceId: "inv-1", amount: Money(minorUnits: 2380, currency: usd), status: "pending", method: "card", provider: "stripe", providerReference: "pi_123", createdAt: date)

    static let all: [any BillingEventPayload] = [
        UserCreated(user: user),
        UserUpdated(user: user, changedFields: ["email", "name"]),
        UserDeleted(userId: "u-1", deletedAt: date),
        BalanceCreated(balance: balance),
        BalanceUpdated(balance: balance, previousAmount: Money(minorUnits: 100, currency: usd)),
        BalanceCredited(balance: balance, amount: Money(minorUnits: 1000, currency: usd), transactionId: "t-1"),
        BalanceDebited(balance: balance, amount: Money(minorUnits: -1, currency: usd), transactionId: nil),
        TransactionCreated(transaction: transaction),
        TransactionCompleted(transaction: transaction),
        TransactionFailed(transaction: transaction, reason: "insufficient funds"),
        TransactionCancelled(transaction: transaction, reason: nil),
        CurrencyCreated(currency: currency),
        CurrencyUpdated(currency: CurrencySnapshot(code: "PTS", name: "Loyalty points", minorUnitExponent: 0, isActive: true)),
        CurrencyActivated(currency: currency),
        CurrencyDeactivated(currency: CurrencySnapshot(.jpy, isActive: false)),
        InvoiceGenerated(invoice: invoice, user: user),
        InvoicePaid(invoice: invoice, paymentId: "p-1"),
        InvoiceOverdue(invoice: invoice, daysOverdue: 3),
        PaymentInitiated(payment: payment, paymentMethodId: "pm_card_visa"),
        PaymentCompleted(payment: payment),
        PaymentFailed(payment: payment, failureCode: "card_declined", failureMessage: "Your card was declined."),
        PaymentRefunded(payment: payment, refundId: "re_1", refundedAmount: Money(minorUnits: 380, currency: usd), reason: "requested_by_customer"),
    ]
}
