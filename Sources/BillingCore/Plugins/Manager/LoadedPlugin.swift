import CoreMetrics
import Synchronization

/// A plugin the manager has loaded: the instance, its settings for every tenant, its
/// circuit breaker, the calls in flight, and the redaction of its secrets.
final class LoadedPlugin: Sendable {
    let plugin: any BillingPlugin
    let defaults: PluginSettings
    let eventPatterns: [EventPattern]
    let breaker: CircuitBreaker

    private struct State {
        var tenantSettings: [String: PluginSettings]
        var redactor: SecretRedactor
        var inFlight = 0
        var health: PluginHealth?
    }

    private let state: Locked<State>
    private let idle = WakeSignal()
    private let executions: (succeeded: Counter, failed: Counter, timedOut: Counter, rejected: Counter)
    private let duration: CoreMetrics.Timer

    init(
        plugin: any BillingPlugin, defaults: PluginSettings, tenantSettings: [String: PluginSettings],
        configuration: PluginManager.Configuration, time: Stopwatch, metricsFactory: any MetricsFactory
    ) {
        self.plugin = plugin
        self.defaults = defaults
        var patterns = plugin.eventPatterns
        if plugin is any PaymentPlugin, !patterns.contains(where: { $0.matches(.paymentInitiated) }) {
            patterns.insert(.exact(.paymentInitiated), at: 0)
        }
        self.eventPatterns = patterns
        self.breaker = CircuitBreaker(
            plugin: plugin.name, failureThreshold: configuration.failureThreshold, quarantineDuration: configuration.quarantineDuration, time: time
        )
        state = Locked(State(tenantSettings: tenantSettings, redactor: Self.redactor(defaults, tenantSettings)))
        func counter(_ outcome: String) -> Counter {
            Counter(label: "billing.plugin.executions", dimensions: [("plugin", plugin.name), ("outcome", outcome)], factory: metricsFactory)
        }
        executions = (counter("success"), counter("failure"), counter("timeout"), counter("rejected"))
        duration = CoreMetrics.Timer(label: "billing.plugin.duration", dimensions: [("plugin", plugin.name)], factory: metricsFactory)
    }

    var name: String { plugin.name }

    // MARK: Settings and secrets

    /// The settings a call for `tenantId` uses: the defaults with the tenant's own on top.
    func settings(forTenant tenantId: String?) -> PluginSettings {
        guard let tenantId, let own = state.withLock({ $0.tenantSettings[tenantId] }) else { return defaults }
        return defaults.merging(own)
    }

    /// A tenant's own settings, if it has any.
    func ownSettings(ofTenant tenantId: String) -> PluginSettings? {
        state.withLock { $0.tenantSettings[tenantId] }
    }

    var tenantSettings: [String: PluginSettings] {
        state.withLock { $0.tenantSettings }
    }

    /// Replaces (or, with `nil`, removes) a tenant's own settings; effective for the next call.
    func setSettings(_ settings: PluginSettings?, forTenant tenantId: String) {
        state.withLock { state in
            state.tenantSettings[tenantId] = settings
            state.redactor = Self.redactor(defaults, state.tenantSettings)
        }
    }

    /// Redacts every secret of the plugin, defaults and every tenant's, in any form.
    var redactor: SecretRedactor {
        state.withLock { $0.redactor }
    }

    func redact(_ text: String) -> String {
        redactor.redact(text)
    }

    private static func redactor(_ defaults: PluginSettings, _ tenants: [String: PluginSettings]) -> SecretRedactor {
        tenants.values.reduce(defaults.redactor) { $0.union($1.redactor) }
    }

    // MARK: Calls in flight

    func callStarted() {
        state.withLock { $0.inFlight += 1 }
    }

    func callFinished() {
        let isIdle = state.withLock { state -> Bool in
            state.inFlight -= 1
            return state.inFlight == 0
        }
        if isIdle { idle.notify() }
    }

    /// Refuses new calls and waits for those in flight; `false` if `timeout` passed first.
    func drain<C: Clock<Duration>>(timeout: Duration, clock: C) async -> Bool {
        breaker.beginDraining()
        let drained = await withDeadline(timeout, clock: clock) {
            while true {
                let generation = self.idle.generation
                if self.state.withLock({ $0.inFlight == 0 }) { return true }
                await self.idle.wait(after: generation)
                if Task.isCancelled { return false }
            }
        }
        if case .completed(true) = drained { return true }
        return false
    }

    // MARK: Direct-call metrics and health

    /// Counts a direct call (deliveries are counted by the delivery metrics instead).
    func countCall(_ outcome: CallOutcome, took elapsed: Duration) {
        switch outcome {
        case .succeeded: executions.succeeded.increment()
        case .failed: executions.failed.increment()
        case .timedOut: executions.timedOut.increment()
        case .rejected: executions.rejected.increment()
        }
        if outcome != .rejected { duration.record(duration: elapsed) }
    }

    enum CallOutcome {
        case succeeded, failed, timedOut, rejected
    }

    var health: PluginHealth? {
        state.withLock { $0.health }
    }

    func setHealth(_ health: PluginHealth) {
        state.withLock { $0.health = health }
        breaker.recordHealth(health)
    }

    /// The listing entry.
    func snapshot() -> InstalledPlugin {
        let (health, tenants) = state.withLock { ($0.health, $0.tenantSettings.keys.sorted()) }
        return InstalledPlugin(
            name: plugin.name, version: plugin.version, description: plugin.description, author: plugin.author,
            status: breaker.status, health: health, counters: breaker.counters, lastError: breaker.lastError,
            settings: defaults.redacted, tenantsWithSettings: tenants, eventPatterns: eventPatterns
        )
    }
}
