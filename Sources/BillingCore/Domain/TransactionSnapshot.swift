public import Foundation

/// A movement of money on a user's balance.
public struct TransactionSnapshot: Codable, Sendable, Hashable {
    /// The host's transaction id.
    public var id: String
    /// The user whose balance moves.
    public var userId: String
    /// What kind of movement: `credit`, `debit`, `payment`, `refund` or a host-defined kind.
    public var kind: String
    /// The amount moved (positive).
    public var amount: Money
    /// `pending`, `completed`, `failed` or `cancelled`.
    public var status: String
    /// An external reference (an order number, a provider id).
    public var reference: String?
    /// When the transaction was created.
    public var createdAt: Date?

    /// Creates a snapshot.
    public init(id: String, userId: String, kind: String, amount: Money, status: String, reference: String? = nil, createdAt: Date? = nil) {
        self.id = id
        self.userId = userId
        self.kind = kind
        self.amount = amount
        self.status = status
        self.reference = reference
        self.createdAt = createdAt
    }
}
