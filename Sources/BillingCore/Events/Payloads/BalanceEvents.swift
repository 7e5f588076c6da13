/// `balance.created`: a balance was opened for a user.
public struct BalanceCreated: BillingEventPayload, Hashable {
    public static let eventType = BillingEventType.balanceCreated
    /// The new balance.
    public var balance: BalanceSnapshot
    public var eventEntityId: String? { balance.id }
    public var eventUserId: String? { balance.userId }
    /// Creates the payload.
    public init(balance: BalanceSnapshot) { self.balance = balance }
}

/// `balance.updated`: a balance was set or adjusted outside a credit or debit.
public struct BalanceUpdated: BillingEventPayload, Hashable {
    public static let eventType = BillingEventType.balanceUpdated
    /// The balance after the change.
    public var balance: BalanceSnapshot
    /// The amount before the change.
    public var previousAmount: Money?
    public var eventEntityId: String? { balance.id }
    public var eventUserId: String? { balance.userId }
    /// Creates the payload.
    public init(balance: BalanceSnapshot, previousAmount: Money? = nil) {
        self.balance = balance
        self.previousAmount = previousAmount
    }
}

/// `balance.credited`: money was added to a balance.
public struct BalanceCredited: BillingEventPayload, Hashable {
    public static let eventType = BillingEventType.balanceCredited
    /// The balance after the credit.
    public var balance: BalanceSnapshot
    /// The amount added.
    public var amount: Money
    /// The transaction that moved the money.
    public var transactionId: String?
    public var eventEntityId: String? { balance.id }
    public var eventUserId: String? { balance.userId }
    /// Creates the payload.
    public init(balance: BalanceSnapshot, amount: Money, transactionId: String? = nil) {
        self.balance = balance
        self.amount = amount
        self.transactionId = transactionId
    }
}

/// `balance.debited`: money was taken from a balance.
public struct BalanceDebited: BillingEventPayload, Hashable {
    public static let eventType = BillingEventType.balanceDebited
    /// The balance after the debit.
    public var balance: BalanceSnapshot
    /// The amount taken.
    public var amount: Money
    /// The transaction that moved the money.
    public var transactionId: String?
    public var eventEntityId: String? { balance.id }
    public var eventUserId: String? { balance.userId }
    /// Creates the payload.
    public init(balance: BalanceSnapshot, amount: Money, transactionId: String? = nil) {
        self.balance = balance
        self.amount = amount
        self.transactionId = transactionId
    }
}
