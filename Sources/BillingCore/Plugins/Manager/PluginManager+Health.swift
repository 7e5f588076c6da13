import AsyncAlgorithms
import Logging
import ServiceLifecycle

/// Health checks: isolated, periodic, and the probe that brings a quarantined plugin back.
extension PluginManager {
    /// Runs every loaded plugin's health check now (quarantined ones past their
    /// quarantine as a probe). The results show in ``installedPlugins()``.
    public func checkHealth() async {
        let loaded = state.withLock { Array($0.loaded.values) }
        await withDiscardingTaskGroup { group in
            for plugin in loaded where plugin.breaker.isDueForHealthCheck {
                group.addTask { await self.checkHealth(of: plugin) }
            }
        }
    }

    private func checkHealth(of loaded: LoadedPlugin) async {
        let plugin = loaded.plugin
        let outcome = await DeliveryRunner.call(timeout: configuration.callTimeout, clock: clock) {
            await plugin.healthCheck()
        }
        let health: PluginHealth
        switch outcome {
        case .returned(let result): health = PluginHealth(isHealthy: result.isHealthy, detail: result.detail.map(loaded.redact))
        case .threw(let error): health = .unhealthy(loaded.redact(String(describing: error)))
        case .timedOut: health = .unhealthy("the health check did not finish within \(configuration.callTimeout)")
        case .cancelled: return
        }
        loaded.setHealth(health)
    }

    /// The periodic loop of ``run()``: health checks and expired-state cleanup every
    /// ``Configuration/healthCheckInterval``, until graceful shutdown.
    func runHealthChecks() async {
        await Self.every(configuration.healthCheckInterval, on: clock) {
            await self.checkHealth()
            do {
                _ = try await self.storage.removeExpiredPluginState(before: self.wallClock.now())
            } catch {
                self.logger.warning("Expired plugin state could not be removed", error: error)
            }
        }
    }

    /// Runs `body` at every tick of `interval` on `clock` until graceful shutdown or cancellation.
    private static func every<C: Clock<Duration>>(_ interval: Duration, on clock: C, _ body: @Sendable () async -> Void) async {
        for await _ in AsyncTimerSequence(interval: interval, clock: clock).cancelOnGracefulShutdown() {
            await body()
        }
    }
}
