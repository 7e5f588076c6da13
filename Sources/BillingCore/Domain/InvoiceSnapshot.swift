public import Foundation

/// One line of an invoice.
public struct InvoiceLineItem: Codable, Sendable, Hashable {
    /// What is billed.
    public var description: String
    /// How many units.
    public var quantity: Int64
    /// Price of one unit.
    public var unitPrice: Money
    /// The line's amount before tax.
    public var amount: Money
    /// Tax on this line, when tax is itemised.
    public var taxAmount: Money?

    /// Creates a line item.
    public init(description: String, quantity: Int64, unitPrice: Money, amount: Money, taxAmount: Money? = nil) {
        self.description = description
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.amount = amount
        self.taxAmount = taxAmount
    }
}

/// An invoice issued to a user.
public struct InvoiceSnapshot: Codable, Sendable, Hashable {
    /// The host's invoice id.
    public var id: String
    /// The billed user.
    public var userId: String
    /// The human-facing invoice number.
    public var number: String?
    /// `draft`, `open`, `paid`, `overdue` or `void`.
    public var status: String
    /// The lines.
    public var lineItems: [InvoiceLineItem]
    /// Sum of the lines before tax.
    public var subtotal: Money
    /// Total tax.
    public var tax: Money
    /// What the user owes.
    public var total: Money
    /// When it was issued.
    public var issuedAt: Date?
    /// When payment is due.
    public var dueAt: Date?

    /// Creates a snapshot.
    public init(
        id: String, userId: String, number: String? = nil, status: String, lineItems: [InvoiceLineItem] = [],
        subtotal: Money, tax: Money, total: Money, issuedAt: Date? = nil, dueAt: Date? = nil
    ) {
        self.id = id
        self.userId = userId
        self.number = number
        self.status = status
        self.lineItems = lineItems
        self.subtotal = subtotal
        self.tax = tax
        self.total = total
        self.issuedAt = issuedAt
        self.dueAt = dueAt
    }
}
