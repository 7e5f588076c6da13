import CoreMetrics
import Foundation
import Synchronization

/// A plugin the manager has loaded: its isolation, counters and circuit breaker.
///
/// Circuit breaker: after `failureThreshold` consecutive failures the plugin is
/// quarantined for `quarantineDuration`; calls are refused meanwhile (events wait in
/// its durable subscription). When the quarantine is over, the next call or health
/// check is a probe: success makes it active again, failure quarantines it again. A
/// plugin made active by a health check stays on probation until a call succeeds:
/// one failure quarantines it again.
final class LoadedPlugin: Sendable {
    /// Why a call did not produce a value.
    struct CallFailure: Error {
        let error: BillingError
        /// When the call was refused (quarantined, draining): how long until it may be tried again.
        let retryAfter: Duration?
        /// The plugin's own `DeliveryError`, reason redacted, to steer its subscription's retries.
        var directive: DeliveryError? = nil
        var message: String { error.message }
    }

    private struct State {
        var status: PluginStatus = .active
        var quarantinedUntil: Date?
        var counters = PluginCounters()
        var inFlight = 0
        var lastError: String?
        var health: PluginHealth?
        var drainWaiters: [CheckedContinuation<Void, Never>] = []
        /// Reactivated by a health check, not by a call that worked: the next failure
        /// quarantines it again at once (a health check may not test what failed).
        var onProbation = false
    }

    let plugin: any BillingPlugin
    let settings: PluginSettings
    let eventPatterns: [EventPattern]

    private let configuration: PluginManager.Configuration
    private let clock: any BillingClock
    private let state = Mutex(State())
    private let secretValues: [String]
    private let executions: (succeeded: Counter, failed: Counter, timedOut: Counter, rejected: Counter)
    private let duration: CoreMetrics.Timer

    init(plugin: any BillingPlugin, settings: PluginSettings, configuration: PluginManager.Configuration, clock: any BillingClock, metricsFactory: any MetricsFactory) {
        self.plugin = plugin
        self.settings = settings
        self.configuration = configuration
        self.clock = clock
        // Longest first, so a secret that contains another is redacted whole.
        self.secretValues = settings.values.values.filter(\.isSecret).compactMap { $0.json.stringValue }.filter { !$0.isEmpty }
            .sorted { $0.count > $1.count }
        var patterns = plugin.eventPatterns
        if plugin is any PaymentPlugin, !patterns.contains(where: { $0.matches(.paymentInitiated) }) {
            patterns.insert(.exact(.paymentInitiated), at: 0)
        }
        self.eventPatterns = patterns
        func counter(_ outcome: String) -> Counter {
            Counter(label: "billing.plugin.executions", dimensions: [("plugin", plugin.name), ("outcome", outcome)], factory: metricsFactory)
        }
        executions = (counter("success"), counter("failure"), counter("timeout"), counter("rejected"))
        duration = CoreMetrics.Timer(label: "billing.plugin.duration", dimensions: [("plugin", plugin.name)], factory: metricsFactory)
    }

    /// `text` with every secret setting value replaced by `***`.
    func redact(_ text: String) -> String {
        secretValues.reduce(text) { $0.replacingOccurrences(of: $1, with: "***") }
    }

    // MARK: Calls

    /// One isolated call: admission (quarantine, draining), timeout, counters, breaker.
    /// - Parameter failureOf: for a value that reports a failure (a `PluginResult` with
    ///   `success == false`), its reason: the call then counts as failed for the
    ///   counters and the circuit breaker, though the value is still returned.
    func call<Value: Sendable>(
        failureOf: (@Sendable (Value) -> String?)? = nil,
        _ operation: @escaping @Sendable (any BillingPlugin) async throws -> Value
    ) async -> Result<Value, CallFailure> {
        if let refusal = admit() {
            executions.rejected.increment()
            return .failure(refusal)
        }
        let plugin = self.plugin
        let started = ContinuousClock.now
        let outcome = await IsolatedHandlerRunner.run(timeout: configuration.callTimeout, clock: clock) {
            try await operation(plugin)
        }
        duration.recordInterval(since: started)
        let result: Result<Value, CallFailure>
        switch outcome {
        case .succeeded(let value):
            if let reason = failureOf?(value) {
                executions.failed.increment()
                recordFailure(redact(reason), timedOut: false)
            } else {
                executions.succeeded.increment()
                recordSuccess()
            }
            result = .success(value)
        case .failed(let error):
            executions.failed.increment()
            let text = redact(String(describing: error))
            recordFailure(text, timedOut: false)
            var failure = CallFailure(error: BillingError(.unsupported, "Plugin '\(plugin.name)' failed: \(text)"), retryAfter: nil)
            if let directive = error as? DeliveryError {
                failure.directive = DeliveryError(directive: directive.directive, reason: redact(directive.reason))
            }
            result = .failure(failure)
        case .timedOut:
            executions.timedOut.increment()
            let text = "did not finish within \(configuration.callTimeout)"
            recordFailure(text, timedOut: true)
            result = .failure(CallFailure(error: BillingError(.timeout, "Plugin '\(plugin.name)' \(text)"), retryAfter: nil))
        case .cancelled:
            result = .failure(CallFailure(error: BillingError(.shutDown, "The call to plugin '\(plugin.name)' was cancelled"), retryAfter: nil))
        }
        finishCall()
        return result
    }

    /// Refuses a call while quarantined or draining; otherwise counts it in flight.
    private func admit() -> CallFailure? {
        let now = clock.now()
        return state.withLock { state -> CallFailure? in
            if state.status == .draining {
                state.counters.rejected += 1
                return CallFailure(error: BillingError(.shutDown, "Plugin '\(plugin.name)' is being unloaded"), retryAfter: .seconds(1))
            }
            if state.status == .quarantined, let until = state.quarantinedUntil, now < until {
                state.counters.rejected += 1
                let wait = Duration.nanoseconds(Int64(until.timeIntervalSince(now) * 1e9))
                return CallFailure(
                    error: BillingError(.unsupported, "Plugin '\(plugin.name)' is quarantined after repeated failures"),
                    retryAfter: wait
                )
            }
            // Past the quarantine, this call is the probe.
            state.inFlight += 1
            return nil
        }
    }

    private func recordSuccess() {
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

    private func recordFailure(_ text: String, timedOut: Bool) {
        let now = clock.now()
        state.withLock { state in
            if timedOut { state.counters.timedOut += 1 } else { state.counters.failed += 1 }
            state.counters.consecutiveFailures += 1
            state.lastError = text
            let threshold = configuration.failureThreshold
            let tripped = state.onProbation || state.counters.consecutiveFailures >= threshold
            if state.status == .quarantined || (state.status == .active && tripped) {
                state.onProbation = false
                state.status = .quarantined
                state.quarantinedUntil = now.addingTimeInterval(configuration.quarantineDuration.timeInterval)
            }
        }
    }

    private func finishCall() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.inFlight -= 1
            guard state.inFlight == 0 else { return [] }
            defer { state.drainWaiters.removeAll() }
            return state.drainWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    // MARK: Draining

    /// Refuses new calls and waits for those in flight; `false` if the timeout passed first.
    func drain(timeout: Duration) async -> Bool {
        state.withLock { $0.status = .draining }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let idle = self.state.withLock { state -> Bool in
                        if state.inFlight == 0 { return true }
                        state.drainWaiters.append(continuation)
                        return false
                    }
                    if idle { continuation.resume() }
                }
                return true
            }
            group.addTask {
                try? await self.clock.sleep(for: timeout)
                return false
            }
            let drained = await group.next() ?? false
            group.cancelAll()
            if !drained {
                // Release the waiter so the group can finish.
                let waiters = self.state.withLock { state -> [CheckedContinuation<Void, Never>] in
                    defer { state.drainWaiters.removeAll() }
                    return state.drainWaiters
                }
                for waiter in waiters { waiter.resume() }
            }
            return drained
        }
    }

    // MARK: Health

    /// Runs the plugin's health check, isolated. For a quarantined plugin past its
    /// quarantine, a healthy result is the successful probe that reactivates it.
    func checkHealth() async {
        let now = clock.now()
        let skip = state.withLock { state -> Bool in
            if state.status == .draining { return true }
            if state.status == .quarantined, let until = state.quarantinedUntil, now < until { return true }
            return false
        }
        if skip { return }
        let plugin = self.plugin
        let outcome = await IsolatedHandlerRunner.run(timeout: configuration.callTimeout, clock: clock) {
            await plugin.healthCheck()
        }
        let health: PluginHealth
        switch outcome {
        case .succeeded(let result): health = PluginHealth(isHealthy: result.isHealthy, detail: result.detail.map(redact))
        case .failed(let error): health = .unhealthy(redact(String(describing: error)))
        case .timedOut: health = .unhealthy("the health check did not finish within \(configuration.callTimeout)")
        case .cancelled: return
        }
        state.withLock { state in
            state.health = health
            if state.status == .quarantined {
                if health.isHealthy {
                    state.status = .active
                    state.quarantinedUntil = nil
                    state.counters.consecutiveFailures = 0
                    state.onProbation = true
                } else {
                    state.quarantinedUntil = now.addingTimeInterval(configuration.quarantineDuration.timeInterval)
                }
            }
        }
    }

    /// The listing entry.
    func snapshot() -> InstalledPlugin {
        let state = state.withLock { $0 }
        return InstalledPlugin(
            name: plugin.name, version: plugin.version, description: plugin.description, author: plugin.author,
            status: state.status, health: state.health, counters: state.counters, lastError: state.lastError,
            settings: settings.redacted, eventPatterns: eventPatterns
        )
    }

}
