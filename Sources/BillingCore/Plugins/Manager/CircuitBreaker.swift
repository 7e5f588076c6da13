import Synchronization

/// One plugin's circuit breaker and call counters.
///
/// After `failureThreshold` consecutive failures the plugin is quarantined for
/// `quarantineDuration`: calls are refused meanwhile (its events wait in its durable
/// subscription without using attempts). When the quarantine is over, the next call or
/// health check is a probe: success makes it active again, failure quarantines it again.
/// A plugin made active by a health check stays on probation until a call succeeds:
/// one failure quarantines it again (a health check may not test what failed).
final class CircuitBreaker: Sendable {
    /// Whether a call may go ahead.
    enum Admission {
        case admitted
        case refused(retryAfter: Duration, reason: String)
    }

    private struct State {
        var status: PluginStatus = .active
        var quarantinedUntil: Duration?
        var counters = PluginCounters()
        var lastError: String?
        var onProbation = false
    }

    private let plugin: String
    private let failureThreshold: Int
    private let quarantineDuration: Duration
    private let time: Stopwatch
    private let state = Locked(State())

    init(plugin: String, failureThreshold: Int, quarantineDuration: Duration, time: Stopwatch) {
        self.plugin = plugin
        self.failureThreshold = max(1, failureThreshold)
        self.quarantineDuration = quarantineDuration
        self.time = time
    }

    var status: PluginStatus { state.withLock { $0.status } }
    var counters: PluginCounters { state.withLock { $0.counters } }
    var lastError: String? { state.withLock { $0.lastError } }

    /// Refuses a call while quarantined or draining; past the quarantine, the call is the probe.
    func admit() -> Admission {
        let now = time.elapsed
        return state.withLock { state -> Admission in
            if state.status == .draining {
                state.counters.rejected += 1
                return .refused(retryAfter: .seconds(1), reason: "plugin '\(plugin)' is being unloaded")
            }
            if state.status == .quarantined, let until = state.quarantinedUntil, now < until {
                state.counters.rejected += 1
                return .refused(retryAfter: until - now, reason: "plugin '\(plugin)' is quarantined after repeated failures")
            }
            return .admitted
        }
    }

    func recordSuccess() {
        state.withLock { state in
            state.counters.succeeded += 1
            state.counters.consecutiveFailures = 0
            state.onProbation = false
            if state.status == .quarantined {
                state.status = .active
                state.quarantinedUntil = nil
            }
        }
    }

    /// Counts a failure (already redacted) and opens the breaker when it trips.
    func recordFailure(_ text: String, timedOut: Bool) {
        let now = time.elapsed
        state.withLock { state in
            if timedOut { state.counters.timedOut += 1 } else { state.counters.failed += 1 }
            state.counters.consecutiveFailures += 1
            state.lastError = text
            let tripped = state.onProbation || state.counters.consecutiveFailures >= failureThreshold
            if state.status == .quarantined || (state.status == .active && tripped) {
                state.onProbation = false
                state.status = .quarantined
                state.quarantinedUntil = now + quarantineDuration
            }
        }
    }

    /// Refuses every call from now on (the plugin is being unloaded).
    func beginDraining() {
        state.withLock { $0.status = .draining }
    }

    /// Whether a health check should run now: not while draining, nor during a quarantine.
    var isDueForHealthCheck: Bool {
        let now = time.elapsed
        return state.withLock { state in
            if state.status == .draining { return false }
            if state.status == .quarantined, let until = state.quarantinedUntil, now < until { return false }
            return true
        }
    }

    /// A health check's verdict: for a quarantined plugin past its quarantine, a healthy
    /// one is the probe that reactivates it (on probation), an unhealthy one extends it.
    func recordHealth(_ health: PluginHealth) {
        let now = time.elapsed
        state.withLock { state in
            guard state.status == .quarantined else { return }
            if health.isHealthy {
                state.status = .active
                state.quarantinedUntil = nil
                state.counters.consecutiveFailures = 0
                state.onProbation = true
            } else {
                state.quarantinedUntil = now + quarantineDuration
            }
        }
    }
}
