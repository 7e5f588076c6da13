public import Foundation

/// A user's balance in one currency.
public struct BalanceSnapshot: Codable, Sendable, Hashable {
    /// The host's balance id.
    public var id: String
    /// The owner.
    public var userId: String
    /// The amount after the operation the event describes.
    public var amount: Money
    /// When the balance last changed.
    public var updatedAt: Date?

    /// Creates a snapshot.
    public init(id: String, userId: String, amount: Money, updatedAt: Date? = nil) {
        self.id = id
        self.userId = userId
        self.amount = amount
        self.updatedAt = updatedAt
    }
}
