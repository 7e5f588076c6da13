/// One fraud rule that fired: what it was, how many points it added, and why.
public struct FraudRuleHit: Sendable, Hashable, Codable {
    /// A stable rule name (`blocked_country`, `amount_review`, `user_velocity`).
    public var rule: String
    /// Points added to the score (a block-list hit adds 100).
    public var points: Int
    /// A sentence for operators; no card data.
    public var reason: String

    /// Creates a hit.
    public init(rule: String, points: Int, reason: String) {
        self.rule = rule
        self.points = points
        self.reason = reason
    }
}
