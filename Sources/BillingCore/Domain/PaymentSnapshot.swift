public import Foundation

/// A payment attempt or a settled payment.
public struct PaymentSnapshot: Codable, Sendable, Hashable {
    /// The host's payment id.
    public var id: String
    /// The paying user.
    public var userId: String
    /// The invoice being paid, if any.
    public var invoiceId: String?
    /// The amount.
    public var amount: Money
    /// `pending`, `succeeded`, `failed` or `refunded`.
    public var status: String
    /// The method (`card`, `bank_transfer`) or a provider's payment-method id.
    public var method: String?
    /// The payment provider (`stripe`).
    public var provider: String?
    /// The provider's id for this payment (a PaymentIntent id).
    public var providerReference: String?
    /// When the payment was created.
    public var createdAt: Date?

    /// Creates a snapshot.
    public init(
        id: String, userId: String, invoiceId: String? = nil, amount: Money, status: String, method: String? = nil,
        provider: String? = nil, providerReference: String? = nil, createdAt: Date? = nil
    ) {
        self.id = id
        self.userId = userId
        self.invoiceId = invoiceId
        self.amount = amount
        self.status = status
        self.method = method
        self.provider = provider
        self.providerReference = providerReference
        self.createdAt = createdAt
    }
}
