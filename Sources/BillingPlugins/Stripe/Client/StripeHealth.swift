import BillingCore

/// Whether Stripe has been answering: the plugin's health check reports it unhealthy
/// once several requests in a row failed on Stripe's side (no connection, 5xx, 429),
/// and healthy again at the next success. Declines and refused requests are answers.
final class StripeHealth: Sendable {
    /// How many failures in a row make the plugin unhealthy.
    static let threshold = 3

    private let state = Locked<(failures: Int, last: StripeError.Kind?)>((0, nil))

    func record(_ outcome: StripeError.Kind?) {
        state.withLock { state in
            switch outcome {
            case .api?, .connection?, .rateLimit?:
                state = (state.failures + 1, outcome)
            default:
                state = (0, nil)
            }
        }
    }

    var health: PluginHealth {
        let (failures, last) = state.withLock { $0 }
        guard failures >= Self.threshold, let last else { return .healthy }
        return .unhealthy("the last \(failures) requests to Stripe failed (\(last.rawValue)); payments are retried")
    }
}
