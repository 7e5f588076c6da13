/// Direct calls to plugins: one plugin, a pipeline of several, or any method of a
/// specialised protocol, each isolated (timeout, circuit breaker, redaction).
extension PluginManager {
    /// Calls the plugin's `execute` with isolation (the specification's `executePlugin`),
    /// with the settings of the context's tenant. Errors, timeouts and refusals
    /// (quarantined, draining) come back as `.failure`, secrets redacted.
    /// - Throws: `not_found` only if no plugin by that name is loaded.
    public func execute(_ name: String, context: BillingContext) async throws -> PluginResult {
        let loaded = try require(name)
        var context = context
        context.settings = loaded.settings(forTenant: context.tenantId)
        let plugin = loaded.plugin
        let given = context
        switch await isolatedCall(loaded, failureOf: Self.failureMessage, { try await plugin.execute(given) }) {
        case .success(let result): return result
        case .failure(let error): return .failure(message: error.message)
        }
    }

    /// Runs several plugins in order on one context; each sees the earlier results in
    /// ``BillingContext/pipelineResults``. The pipeline stops at the first result that is
    /// not a success (a fraud block, a failure).
    public func runPipeline(_ names: [String], context: BillingContext) async throws -> PipelineResult {
        var context = context
        var stages: [(plugin: String, result: PluginResult)] = []
        for name in names {
            let result = try await execute(name, context: context)
            stages.append((name, result))
            context.pipelineResults[name] = result
            if !result.shouldContinue {
                return PipelineResult(stages: stages, stoppedAt: name)
            }
        }
        return PipelineResult(stages: stages, stoppedAt: nil)
    }

    /// Calls any method of a loaded plugin with the manager's isolation: timeout,
    /// counters, circuit breaker. `operation` receives the plugin as `T`.
    /// - Throws: `not_found` if not loaded; `invalid.argument` if it is not a `T`;
    ///   `plugin.failure` if the call throws, times out or is refused (secrets redacted).
    public func call<T: Sendable, Value: Sendable>(
        _ name: String, as _: T.Type, _ operation: @escaping @Sendable (T) async throws -> Value
    ) async throws -> Value {
        let loaded = try require(name)
        guard let plugin = loaded.plugin as? T else {
            throw BillingError.invalid("name", "Plugin '\(name)' is not a \(T.self)")
        }
        return try await isolatedCall(loaded, failureOf: nil, { try await operation(plugin) }).get()
    }

    /// A failed `PluginResult` counts as a failed call for the counters and the breaker.
    private static let failureMessage: @Sendable (PluginResult) -> String? = { result in
        if case .failure(let message) = result { return message }
        return nil
    }

    /// One direct call: admission, the call timeout, counters, the breaker, redaction.
    private func isolatedCall<Value: Sendable>(
        _ loaded: LoadedPlugin,
        failureOf: (@Sendable (Value) -> String?)?,
        _ operation: @escaping @Sendable () async throws -> Value
    ) async -> Result<Value, BillingError> {
        if case .refused(_, let reason) = loaded.breaker.admit() {
            loaded.countCall(.rejected, took: .zero)
            return .failure(BillingError(.pluginFailure, "The call was refused: \(reason)", field: "name"))
        }
        loaded.callStarted()
        defer { loaded.callFinished() }
        let started = time.elapsed
        let outcome = await DeliveryRunner.call(timeout: configuration.callTimeout, clock: clock, operation)
        let took = time.elapsed - started
        let name = loaded.name
        switch outcome {
        case .returned(let value):
            if let reason = failureOf?(value) {
                let text = loaded.redact(reason)
                loaded.countCall(.failed, took: took)
                loaded.breaker.recordFailure(text, timedOut: false)
                return .failure(BillingError(.pluginFailure, text))
            }
            loaded.countCall(.succeeded, took: took)
            loaded.breaker.recordSuccess()
            return .success(value)
        case .threw(let error):
            let text = loaded.redact(String(describing: error))
            loaded.countCall(.failed, took: took)
            loaded.breaker.recordFailure(text, timedOut: false)
            return .failure(BillingError(.pluginFailure, "Plugin '\(name)' failed: \(text)"))
        case .timedOut:
            let text = "did not finish within \(configuration.callTimeout)"
            loaded.countCall(.timedOut, took: took)
            loaded.breaker.recordFailure(text, timedOut: true)
            return .failure(BillingError(.pluginFailure, "Plugin '\(name)' \(text)"))
        case .cancelled:
            return .failure(BillingError(.shutDown, "The call to plugin '\(name)' was cancelled"))
        }
    }
}
