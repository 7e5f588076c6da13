import BillingCore

/// Whether Stripe has been answering: the plugin's health check reports it unhealthy
/// once several requests in a row failed on Stripe's side (no connection, 5xx, 429),
/// and healthy again at the next success. Declines and refused requests are answers.
final class StripeHealth: Sendable {
    /// How many failures in a row make the plugin unhealthy.
    static let threshold = 3

    private let failures = FailureStreak<StripeError.Kind>()

    func record(_ outcome: StripeError.Kind?) {
        switch outcome {
        case .api?, .connection?, .rateLimit?: failures.record(outcome)
        default: failures.record(nil)
        }
    }

    var health: PluginHealth {
        guard let (count, last) = failures.streak(atLeast: Self.threshold) else { return .healthy }
        return .unhealthy("the last \(count) requests to Stripe failed (\(last.rawValue)); payments are retried")
    }
}
