import BillingCore

/// Whether the mail server has been reachable: the health check reports the plugin
/// unhealthy once several sends in a row failed to connect, secure or log in (a server
/// down or misconfigured), naming the last error, and healthy again at the next send
/// the server answered. A refused recipient is an answer, not ill health.
final class EmailHealth: Sendable {
    /// How many failures in a row make the plugin unhealthy.
    static let threshold = 3

    private let state = Locked<(failures: Int, last: SMTPError?)>((0, nil))

    /// Records one send: `nil` when the server answered, else its error.
    func record(_ error: SMTPError?) {
        state.withLock { state in
            switch error?.kind {
            case .connection?, .tls?, .authentication?, .protocolViolation?:
                state = (state.failures + 1, error)
            default:
                state = (0, nil)
            }
        }
    }

    var health: PluginHealth {
        let (failures, last) = state.withLock { $0 }
        guard failures >= Self.threshold, let last else { return .healthy }
        return .unhealthy("the last \(failures) sends failed (\(last.billingCode.rawValue)): \(last.message); messages are retried")
    }
}
