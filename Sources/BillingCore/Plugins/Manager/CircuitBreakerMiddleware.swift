/// The middleware of every plugin's durable subscription: the circuit breaker, the
/// count of calls in flight (for draining), and the redaction of the plugin's secrets
/// from every failure before it is logged or stored in a dead letter.
struct CircuitBreakerMiddleware: DeliveryMiddleware {
    let plugin: LoadedPlugin

    func handle(_ delivery: Delivery, next: (Delivery) async throws -> Void) async throws {
        if case .refused(let wait, let reason) = plugin.breaker.admit() {
            // Not the event's fault: it waits without using up an attempt.
            throw DeliveryError.postpone(after: wait, reason: reason)
        }
        plugin.callStarted()
        defer { plugin.callFinished() }
        do {
            try await next(delivery)
        } catch let error as DeliveryError {
            throw DeliveryError(directive: error.directive, reason: plugin.redact(error.reason))
        } catch let error as BillingError where error.code == .pluginFailure && error.underlying == nil {
            throw BillingError(.pluginFailure, plugin.redact(error.message))
        } catch {
            throw BillingError(.pluginFailure, "Plugin '\(plugin.name)' failed: \(plugin.redact(String(describing: error)))")
        }
    }

    func delivery(_ delivery: Delivery, endedWith outcome: DeliveryOutcome) {
        switch outcome {
        case .delivered:
            plugin.breaker.recordSuccess()
        case .failed(let error, _):
            let timedOut = (error as? BillingError)?.code == .timeout
            plugin.breaker.recordFailure(plugin.redact(Self.text(of: error)), timedOut: timedOut)
        case .postponed, .interrupted:
            break
        }
    }

    /// The failure as operators should read it: a plugin failure's own message.
    private static func text(of error: any Error) -> String {
        if let error = error as? BillingError { return error.message }
        return String(describing: error)
    }
}
