/// Fraud screening (the specification's `FraudPlugin`). In a pipeline, a `block` decision
/// stops the payment (`shouldContinue == false`) and says why.
public protocol FraudPlugin: BillingPlugin {
    /// Scores a transaction.
    func checkTransaction(_ request: FraudCheckRequest) async throws -> FraudResult
    /// Records that a transaction turned out to be fraudulent (feeds block lists and models).
    func reportFraud(transactionId: String, reason: String) async throws
}

/// What to screen.
public struct FraudCheckRequest: Sendable, Hashable, Codable {
    /// The transaction.
    public var transaction: TransactionSnapshot
    /// The user, when known.
    public var user: UserSnapshot?
    /// The tenant.
    public var tenantId: String?
    /// The payer's country, ISO 3166-1 alpha-2.
    public var country: String?
    /// The client's IP address.
    public var ipAddress: String?
    /// A stable fingerprint of the card (never the card number).
    public var cardFingerprint: String?

    /// Creates a request.
    public init(transaction: TransactionSnapshot, user: UserSnapshot? = nil, tenantId: String? = nil, country: String? = nil, ipAddress: String? = nil, cardFingerprint: String? = nil) {
        self.transaction = transaction
        self.user = user
        self.tenantId = tenantId
        self.country = country
        self.ipAddress = ipAddress
        self.cardFingerprint = cardFingerprint
    }
}

/// A fraud verdict.
public struct FraudResult: Sendable, Hashable, Codable {
    /// What to do.
    public enum Decision: String, Sendable, Hashable, Codable {
        /// Let it through.
        case allow
        /// Let it through but flag it for a human.
        case review
        /// Stop it.
        case block
    }

    /// What to do.
    public var decision: Decision
    /// Risk from 0 (none) to 100.
    public var score: Int
    /// Why, one entry per rule that fired.
    public var reasons: [String]

    /// Creates a verdict.
    public init(decision: Decision, score: Int, reasons: [String] = []) {
        self.decision = decision
        self.score = min(100, max(0, score))
        self.reasons = reasons
    }

    /// Whether a pipeline should stop.
    public var shouldBlock: Bool { decision == .block }
}
