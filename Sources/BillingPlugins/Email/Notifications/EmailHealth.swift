import BillingCore

/// Whether the mail server has been reachable: the health check reports the plugin
/// unhealthy once several sends in a row failed to connect, secure or log in (a server
/// down or misconfigured), naming the last error, and healthy again at the next send
/// the server answered. A refused recipient is an answer, not ill health.
final class EmailHealth: Sendable {
    /// How many failures in a row make the plugin unhealthy.
    static let threshold = 3

    private let failures = FailureStreak<SMTPError>()

    /// Records one send: `nil` when the server answered, else its error.
    func record(_ error: SMTPError?) {
        switch error?.kind {
        case .connection?, .tls?, .authentication?, .protocolViolation?: failures.record(error)
        default: failures.record(nil)
        }
    }

    var health: PluginHealth {
        guard let (count, last) = failures.streak(atLeast: Self.threshold) else { return .healthy }
        return .unhealthy("the last \(count) sends failed (\(last.billingCode.rawValue)): \(last.message); messages are retried")
    }
}
