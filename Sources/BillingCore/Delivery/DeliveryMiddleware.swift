/// A step around every durable delivery, like swift-jobs' `JobMiddleware` and
/// Hummingbird's router middleware: tracing, metrics, logging and the plugins' circuit
/// breaker are middleware, and hosts add their own.
///
/// ```swift
/// struct TenantContextMiddleware: DeliveryMiddleware {
///     func handle(_ delivery: Delivery, next: (Delivery) async throws -> Void) async throws {
///         try await TenantContext.$current.withValue(delivery.event.tenantId) {
///             try await next(delivery)
///         }
///     }
/// }
/// ```
///
/// `handle` runs inside the delivery's deadline: when it overruns, the delivery is
/// abandoned and `handle` may never return. What happened is always reported to
/// ``delivery(_:endedWith:)``, which runs for every attempt, timeouts included.
public protocol DeliveryMiddleware: Sendable {
    /// Handles one attempt and passes it on. Throwing fails the attempt.
    func handle(_ delivery: Delivery, next: (Delivery) async throws -> Void) async throws

    /// Observes how an attempt ended, after the retry strategy decided what comes next.
    /// Called once per attempt, in order, and must return quickly (it runs on the
    /// delivery path); the default does nothing.
    func delivery(_ delivery: Delivery, endedWith outcome: DeliveryOutcome)
}

extension DeliveryMiddleware {
    public func handle(_ delivery: Delivery, next: (Delivery) async throws -> Void) async throws {
        try await next(delivery)
    }

    public func delivery(_ delivery: Delivery, endedWith outcome: DeliveryOutcome) {}
}

/// What a durable subscription's chain ends in.
package typealias DeliveryHandler = @Sendable (Delivery) async throws -> Void

/// Middleware that does per-subscription work once, when a subscription's chain is
/// built, instead of per delivery (metrics look their instruments up once).
protocol SubscriptionBoundMiddleware {
    func bound(to subscription: String) -> any DeliveryMiddleware
}

/// Built-in middleware whose `handle` only calls `next` (logging; tracing with the
/// no-op tracer): the chain leaves it out of the call path and only reports to it.
protocol PassThroughMiddleware {
    var passesThrough: Bool { get }
}

/// A subscription's middleware in order around its handler: the first is the outermost.
struct MiddlewareChain: Sendable {
    /// Every step, for reports.
    let middleware: [any DeliveryMiddleware]
    /// The steps whose `handle` does something, in order.
    private let handling: [any DeliveryMiddleware]
    let handler: DeliveryHandler

    init(subscription: String, middleware: [any DeliveryMiddleware], handler: @escaping DeliveryHandler) {
        let bound = middleware.map { ($0 as? any SubscriptionBoundMiddleware)?.bound(to: subscription) ?? $0 }
        self.middleware = bound
        self.handling = bound.filter { ($0 as? any PassThroughMiddleware)?.passesThrough != true }
        self.handler = handler
    }

    /// Runs the chain for one attempt.
    func run(_ delivery: Delivery) async throws {
        try await run(delivery, from: 0)
    }

    private func run(_ delivery: Delivery, from index: Int) async throws {
        guard index < handling.count else {
            return try await handler(delivery)
        }
        try await handling[index].handle(delivery) { delivery in
            try await run(delivery, from: index + 1)
        }
    }

    /// Tells every middleware how the attempt ended, outermost first.
    func report(_ delivery: Delivery, _ outcome: DeliveryOutcome) {
        for step in middleware {
            step.delivery(delivery, endedWith: outcome)
        }
    }
}
