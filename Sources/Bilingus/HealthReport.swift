public import BillingCore

/// The engine's health: storage, durable subscriptions and plugins.
///
/// ``description`` is the readable summary (one line per part); the fields are for code.
public struct HealthReport: Sendable, CustomStringConvertible {
    /// Overall state.
    public enum Status: String, Sendable, Hashable {
        /// Everything works and nothing waits for an operator.
        case healthy
        /// Working, but something needs attention: dead letters, a cursor beyond the
        /// store's head, a quarantined or failed plugin, an unhealthy check.
        case degraded
        /// Storage is unreachable.
        case unhealthy
    }

    /// Whether the store answered, and the error if not.
    public let storageError: String?
    /// The store's head sequence.
    public let headSequence: Int64?
    /// Every durable subscription: cursor, lag, dead letters.
    public let subscriptions: [SubscriptionStatus]
    /// Every installed plugin: status, health, counters.
    public let plugins: [InstalledPlugin]

    /// Overall state, derived from the parts.
    public var status: Status {
        if storageError != nil { return .unhealthy }
        let pluginTrouble = plugins.contains { $0.status == .failed || $0.status == .quarantined || $0.health?.isHealthy == false }
        let subscriptionTrouble = subscriptions.contains { $0.deadLetterCount > 0 || $0.isCursorAheadOfHead }
        return pluginTrouble || subscriptionTrouble ? .degraded : .healthy
    }

    public var description: String {
        var lines = ["status: \(status.rawValue)"]
        if let storageError {
            lines.append("storage: unreachable (\(storageError))")
        } else {
            lines.append("storage: reachable, head sequence \(headSequence ?? 0)")
        }
        for subscription in subscriptions {
            var line = "subscription \(subscription.name): cursor \(subscription.cursor), lag \(subscription.lag), dead letters \(subscription.deadLetterCount)"
            if subscription.isPaused { line += ", paused" }
            if subscription.isCursorAheadOfHead { line += ", CURSOR BEYOND THE HEAD (events would be skipped; replay it)" }
            lines.append(line)
        }
        for plugin in plugins {
            var line = "plugin \(plugin.name) \(plugin.version): \(plugin.status)"
            if let health = plugin.health { line += ", \(health.isHealthy ? "healthy" : "unhealthy: \(health.detail ?? "")")" }
            line += ", calls ok \(plugin.counters.succeeded), failed \(plugin.counters.failed), timed out \(plugin.counters.timedOut)"
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
