public import Tracing

/// Wraps every delivery in a `billing.deliver` consumer span linked to the event's
/// publish span (whose context travels in the event's metadata), as swift-jobs'
/// `TracingMiddleware` links a job to its push.
///
/// With no tracer bootstrapped (the no-op tracer) it costs nothing per event.
public struct TracingMiddleware: DeliveryMiddleware, PassThroughMiddleware {
    /// `nil` for the no-op tracer: the check is made once, not per event.
    private let tracer: (any Tracer)?

    /// - Parameter tracer: the tracer to use; by default `InstrumentationSystem.tracer`
    ///   as bootstrapped when the middleware is created.
    public init(tracer: (any Tracer)? = nil) {
        let tracer = tracer ?? InstrumentationSystem.tracer
        self.tracer = tracer is NoOpTracer ? nil : tracer
    }

    var passesThrough: Bool { tracer == nil }

    public func handle(_ delivery: Delivery, next: (Delivery) async throws -> Void) async throws {
        guard let tracer else {
            return try await next(delivery)
        }
        let event = delivery.event
        let span = tracer.startSpan("billing.deliver", context: ServiceContext.current ?? .topLevel, ofKind: .consumer)
        defer { span.end() }
        if span.isRecording {
            span.addLink(SpanLink(context: EventTraceContext.context(of: event, tracer: tracer), attributes: [:]))
            span.attributes[LogKeys.subscription] = delivery.subscription
            span.attributes[LogKeys.eventID] = event.id.description
            span.attributes[LogKeys.eventType] = event.type.rawValue
            span.attributes["billing.attempt"] = delivery.attempt
        }
        do {
            try await ServiceContext.withValue(span.context) {
                try await next(delivery)
            }
        } catch {
            span.recordError(error)
            span.setStatus(SpanStatus(code: .error))
            throw error
        }
    }
}
