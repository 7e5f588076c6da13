/// `invoice.generated`: an invoice was issued.
public struct InvoiceGenerated: BillingEventPayload, Hashable {
    public static let eventType = BillingEventType.invoiceGenerated
    /// The new invoice.
    public var invoice: InvoiceSnapshot
    /// The billed user, so a notification plugin can address them without a lookup.
    public var user: UserSnapshot?
    public var eventEntityId: String? { invoice.id }
    public var eventUserId: String? { invoice.userId }
    /// Creates the payload.
    public init(invoice: InvoiceSnapshot, user: UserSnapshot? = nil) {
        self.invoice = invoice
        self.user = user
    }
}

/// `invoice.paid`: an invoice was paid in full.
public struct InvoicePaid: BillingEventPayload, Hashable {
    public static let eventType = BillingEventType.invoicePaid
    /// The invoice after payment.
    public var invoice: InvoiceSnapshot
    /// The payment that settled it.
    public var paymentId: String?
    public var eventEntityId: String? { invoice.id }
    public var eventUserId: String? { invoice.userId }
    /// Creates the payload.
    public init(invoice: InvoiceSnapshot, paymentId: String? = nil) {
        self.invoice = invoice
        self.paymentId = paymentId
    }
}

/// `invoice.overdue`: an invoice passed its due date unpaid.
public struct InvoiceOverdue: BillingEventPayload, Hashable {
    public static let eventType = BillingEventType.invoiceOverdue
    /// The overdue invoice.
    public var invoice: InvoiceSnapshot
    /// Whole days past the due date.
    public var daysOverdue: Int
    public var eventEntityId: String? { invoice.id }
    public var eventUserId: String? { invoice.userId }
    /// Creates the payload.
    public init(invoice: InvoiceSnapshot, daysOverdue: Int) {
        self.invoice = invoice
        self.daysOverdue = daysOverdue
    }
}
