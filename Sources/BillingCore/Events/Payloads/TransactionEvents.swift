/// `transaction.created`: a transaction was recorded.
public struct TransactionCreated: BillingEventPayload, Hashable {
    public static let eventType = BillingEventType.transactionCreated
    /// The new transaction.
    public var transaction: TransactionSnapshot
    public var eventEntityId: String? { transaction.id }
    public var eventUserId: String? { transaction.userId }
    /// Creates the payload.
    public init(transaction: TransactionSnapshot) { self.transaction = transaction }
}

/// `transaction.completed`: a transaction settled.
public struct TransactionCompleted: BillingEventPayload, Hashable {
    public static let eventType = BillingEventType.transactionCompleted
    /// The settled transaction.
    public var transaction: TransactionSnapshot
    public var eventEntityId: String? { transaction.id }
    public var eventUserId: String? { transaction.userId }
    /// Creates the payload.
    public init(transaction: TransactionSnapshot) { self.transaction = transaction }
}

/// `transaction.failed`: a transaction could not be completed.
public struct TransactionFailed: BillingEventPayload, Hashable {
    public static let eventType = BillingEventType.transactionFailed
    /// The failed transaction.
    public var transaction: TransactionSnapshot
    /// Why it failed, for operators (no secrets, no card data).
    public var reason: String
    public var eventEntityId: String? { transaction.id }
    public var eventUserId: String? { transaction.userId }
    /// Creates the payload.
    public init(transaction: TransactionSnapshot, reason: String) {
        self.transaction = transaction
        self.reason = reason
    }
}

/// `transaction.cancelled`: a transaction was cancelled before it completed.
public struct TransactionCancelled: BillingEventPayload, Hashable {
    public static let eventType = BillingEventType.transactionCancelled
    /// The cancelled transaction.
    public var transaction: TransactionSnapshot
    /// Why it was cancelled.
    public var reason: String?
    public var eventEntityId: String? { transaction.id }
    public var eventUserId: String? { transaction.userId }
    /// Creates the payload.
    public init(transaction: TransactionSnapshot, reason: String? = nil) {
        self.transaction = transaction
        self.reason = reason
    }
}
