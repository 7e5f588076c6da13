public import BillingCore
import Foundation

/// The rules of ``RuleBasedFraudPlugin``, parsed from its settings and checked once.
///
/// Scoring is additive and capped at 100: every rule that fires adds its points
/// (``Points``), and the total decides — at least ``blockScore`` blocks, at least
/// ``reviewScore`` flags the payment for review, anything lower allows it. A block-list
/// hit or an amount above the block threshold adds 100, so it blocks on its own.
/// The evaluation itself is pure (``evaluate(_:observations:)``); the plugin gathers
/// the observations (velocity counts, reported users and cards) from the event store.
public struct FraudRules: Sendable, Hashable {
    /// The points each rule adds.
    public enum Points {
        /// A user, email domain, country or card on a block list (or reported as fraud).
        public static let blockList = 100
        /// An amount above the block threshold of its currency.
        public static let amountBlock = 100
        /// An amount above the review threshold of its currency.
        public static let amountReview = 50
        /// Too many payments by one user, or in one tenant, within the window.
        public static let velocity = 60
    }

    /// Amounts above these (per currency) add ``Points/amountReview``.
    public var reviewAbove: [CurrencyCode: Money]
    /// Amounts above these (per currency) add ``Points/amountBlock``.
    public var blockAbove: [CurrencyCode: Money]
    /// How far back velocity rules count payments.
    public var velocityWindow: Duration
    /// The most payments one user may make within the window (this one included); `nil` turns the rule off.
    public var maxPaymentsPerUser: Int?
    /// The most payments one tenant may take within the window (this one included); `nil` turns the rule off.
    public var maxPaymentsPerTenant: Int?
    /// Blocked user ids.
    public var blockedUsers: Set<String>
    /// Blocked email domains, lowercase; a domain also blocks its subdomains.
    public var blockedEmailDomains: Set<String>
    /// Blocked ISO 3166-1 alpha-2 countries, uppercase.
    public var blockedCountries: Set<String>
    /// Blocked card fingerprints.
    public var blockedCardFingerprints: Set<String>
    /// The score from which a payment is flagged for review (default 50).
    public var reviewScore: Int
    /// The score from which a payment is blocked (default 80).
    public var blockScore: Int

    /// Creates rules; with no arguments nothing ever fires.
    public init(
        reviewAbove: [Money] = [], blockAbove: [Money] = [], velocityWindow: Duration = .seconds(3600),
        maxPaymentsPerUser: Int? = nil, maxPaymentsPerTenant: Int? = nil,
        blockedUsers: Set<String> = [], blockedEmailDomains: Set<String> = [], blockedCountries: Set<String> = [],
        blockedCardFingerprints: Set<String> = [], reviewScore: Int = 50, blockScore: Int = 80
    ) throws {
        self.reviewAbove = try Self.thresholds(reviewAbove, key: "reviewAbove")
        self.blockAbove = try Self.thresholds(blockAbove, key: "blockAbove")
        guard velocityWindow > .zero else {
            throw BillingError(.invalidArgument, "Setting 'velocityWindowSeconds' must be positive", field: "velocityWindowSeconds")
        }
        self.velocityWindow = velocityWindow
        for (key, limit) in [("maxPaymentsPerUser", maxPaymentsPerUser), ("maxPaymentsPerTenant", maxPaymentsPerTenant)] {
            if let limit, limit < 1 {
                throw BillingError(.invalidArgument, "Setting '\(key)' must be at least 1", field: key)
            }
        }
        self.maxPaymentsPerUser = maxPaymentsPerUser
        self.maxPaymentsPerTenant = maxPaymentsPerTenant
        self.blockedUsers = blockedUsers
        self.blockedEmailDomains = Set(blockedEmailDomains.map { $0.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "@. ")) })
        self.blockedCountries = Set(blockedCountries.map { $0.uppercased() })
        for country in self.blockedCountries where country.count != 2 || !country.allSatisfy({ $0.isASCII && $0.isLetter }) {
            throw BillingError(.invalidArgument, "Setting 'blockedCountries' must hold ISO 3166-1 alpha-2 codes", field: "blockedCountries")
        }
        self.blockedCardFingerprints = blockedCardFingerprints
        guard (1...100).contains(reviewScore), (1...100).contains(blockScore), reviewScore <= blockScore else {
            throw BillingError(
                .invalidArgument, "Settings 'reviewScore' and 'blockScore' must be between 1 and 100, review not above block",
                field: reviewScore > blockScore || !(1...100).contains(reviewScore) ? "reviewScore" : "blockScore"
            )
        }
        self.reviewScore = reviewScore
        self.blockScore = blockScore
    }

    /// Parses the plugin's settings; a bad value throws a `BillingError` naming its key.
    ///
    /// | key | type | default |
    /// |---|---|---|
    /// | `reviewAbove`, `blockAbove` | list of amounts (`"500.00 USD"`) | none |
    /// | `velocityWindowSeconds` | integer | 3600 |
    /// | `maxPaymentsPerUser`, `maxPaymentsPerTenant` | integer ≥ 1 | off |
    /// | `blockedUsers`, `blockedEmailDomains`, `blockedCountries`, `blockedCardFingerprints` | list of strings | empty |
    /// | `reviewScore`, `blockScore` | integer 1–100 | 50, 80 |
    public init(settings: PluginSettings) throws {
        func amounts(_ key: String) throws -> [Money] {
            try settings.strings(key, default: []).map { text in
                do {
                    return try Money(parsing: text)
                } catch {
                    throw BillingError(.invalidArgument, "Setting '\(key)' must hold amounts such as \"500.00 USD\"", field: key)
                }
            }
        }
        func optionalInt(_ key: String) throws -> Int? {
            settings[key] == nil ? nil : Int(clamping: try settings.int(key))
        }
        try self.init(
            reviewAbove: try amounts("reviewAbove"),
            blockAbove: try amounts("blockAbove"),
            velocityWindow: .seconds(try settings.int("velocityWindowSeconds", default: 3600)),
            maxPaymentsPerUser: try optionalInt("maxPaymentsPerUser"),
            maxPaymentsPerTenant: try optionalInt("maxPaymentsPerTenant"),
            blockedUsers: Set(try settings.strings("blockedUsers", default: [])),
            blockedEmailDomains: Set(try settings.strings("blockedEmailDomains", default: [])),
            blockedCountries: Set(try settings.strings("blockedCountries", default: [])),
            blockedCardFingerprints: Set(try settings.strings("blockedCardFingerprints", default: [])),
            reviewScore: Int(clamping: try settings.int("reviewScore", default: 50)),
            blockScore: Int(clamping: try settings.int("blockScore", default: 80))
        )
    }

    /// What the plugin observed about a transaction beyond the request itself.
    public struct Observations: Sendable, Hashable {
        /// The user's earlier payments within the window (this one excluded), when counted.
        public var userPayments: Int?
        /// The tenant's earlier payments within the window (this one excluded), when counted.
        public var tenantPayments: Int?
        /// Whether the user was reported as fraudulent (``FraudReported``).
        public var userReported: Bool
        /// Whether the card was reported as fraudulent.
        public var cardReported: Bool

        /// Creates observations; by default nothing was counted or reported.
        public init(userPayments: Int? = nil, tenantPayments: Int? = nil, userReported: Bool = false, cardReported: Bool = false) {
            self.userPayments = userPayments
            self.tenantPayments = tenantPayments
            self.userReported = userReported
            self.cardReported = cardReported
        }
    }

    /// Scores a transaction: every rule that fires, the capped score and the decision.
    public func evaluate(_ request: FraudCheckRequest, observations: Observations = Observations()) -> (result: FraudResult, hits: [FraudRuleHit]) {
        var hits: [FraudRuleHit] = []
        let transaction = request.transaction
        let userId = transaction.userId

        if blockedUsers.contains(userId) {
            hits.append(FraudRuleHit(rule: "blocked_user", points: Points.blockList, reason: "user \(userId) is on the block list"))
        } else if observations.userReported {
            hits.append(FraudRuleHit(rule: "reported_user", points: Points.blockList, reason: "user \(userId) was reported for fraud"))
        }
        if let domain = Self.emailDomain(request.user?.email), let blocked = blockedDomain(matching: domain) {
            hits.append(FraudRuleHit(rule: "blocked_email_domain", points: Points.blockList, reason: "email domain \(domain) is blocked (\(blocked))"))
        }
        if let country = (request.country ?? request.user?.country)?.uppercased(), blockedCountries.contains(country) {
            hits.append(FraudRuleHit(rule: "blocked_country", points: Points.blockList, reason: "country \(country) is blocked"))
        }
        if let card = request.cardFingerprint {
            if blockedCardFingerprints.contains(card) {
                hits.append(FraudRuleHit(rule: "blocked_card", points: Points.blockList, reason: "the card is on the block list"))
            } else if observations.cardReported {
                hits.append(FraudRuleHit(rule: "reported_card", points: Points.blockList, reason: "the card was reported for fraud"))
            }
        }

        let amount = transaction.amount
        if let limit = blockAbove[amount.currency], amount.minorUnits > limit.minorUnits {
            hits.append(FraudRuleHit(rule: "amount_block", points: Points.amountBlock, reason: "amount \(amount) is above the block threshold \(limit)"))
        } else if let limit = reviewAbove[amount.currency], amount.minorUnits > limit.minorUnits {
            hits.append(FraudRuleHit(rule: "amount_review", points: Points.amountReview, reason: "amount \(amount) is above the review threshold \(limit)"))
        }

        let window = Self.describe(velocityWindow)
        if let limit = maxPaymentsPerUser, let earlier = observations.userPayments, earlier >= limit {
            hits.append(FraudRuleHit(
                rule: "user_velocity", points: Points.velocity,
                reason: "user \(userId) already made \(earlier) payment(s) in the last \(window) (limit \(limit))"
            ))
        }
        if let limit = maxPaymentsPerTenant, let earlier = observations.tenantPayments, earlier >= limit {
            hits.append(FraudRuleHit(
                rule: "tenant_velocity", points: Points.velocity,
                reason: "tenant \(request.tenantId ?? "-") already took \(earlier) payment(s) in the last \(window) (limit \(limit))"
            ))
        }

        let score = min(100, hits.reduce(0) { $0 + $1.points })
        let decision: FraudResult.Decision = score >= blockScore ? .block : score >= reviewScore ? .review : .allow
        return (FraudResult(decision: decision, score: score, reasons: hits.map(\.reason)), hits)
    }

    private func blockedDomain(matching domain: String) -> String? {
        var candidate = Substring(domain)
        while true {
            if blockedEmailDomains.contains(String(candidate)) { return String(candidate) }
            guard let dot = candidate.firstIndex(of: ".") else { return nil }
            candidate = candidate[candidate.index(after: dot)...]
        }
    }

    private static func emailDomain(_ email: String?) -> String? {
        guard let email, let at = email.lastIndex(of: "@") else { return nil }
        let domain = email[email.index(after: at)...].lowercased()
        return domain.isEmpty ? nil : domain
    }

    private static func thresholds(_ amounts: [Money], key: String) throws -> [CurrencyCode: Money] {
        var byCurrency: [CurrencyCode: Money] = [:]
        for amount in amounts {
            guard !amount.isNegative else {
                throw BillingError(.invalidArgument, "Setting '\(key)' must not hold negative amounts", field: key)
            }
            guard byCurrency.updateValue(amount, forKey: amount.currency) == nil else {
                throw BillingError(.invalidArgument, "Setting '\(key)' names \(amount.currency) twice", field: key)
            }
        }
        return byCurrency
    }

    /// `1h`, `15m`, `90s`: the window as operators write it.
    static func describe(_ duration: Duration) -> String {
        let seconds = duration.components.seconds
        if seconds % 3600 == 0 { return "\(seconds / 3600)h" }
        if seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }
}
