public import CoreMetrics
import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization
public import Tracing

/// Durable subscriptions: named, persisted, at-least-once delivery with retries,
/// dead letters, replay and pause, owned by one process at a time.
///
/// ```swift
/// let dispatcher = SubscriptionDispatcher(store: store, bus: bus, logger: logger)
/// try await dispatcher.subscribe("invoice-mailer", to: ["invoice.*"]) { event in
///     try await mailer.send(for: event)            // deduplicate on event.id
/// }
/// try await ServiceGroup(services: [bus, dispatcher], gracefulShutdownSignals: [.sigterm], logger: logger).run()
/// ```
///
/// **Guarantees.** Every event committed to the store reaches every durable
/// subscription that matches it, at least once, even across crashes and `kill -9`.
/// Each subscription receives its events in sequence order (with `entityConcurrency`
/// above 1: each entity's events in order). A cursor is stored only past events that
/// were delivered or dead-lettered. Attempts are recorded before they start, so an
/// event that takes the process down is dead-lettered after its last attempt.
///
/// **One owner.** Each subscription is delivered by one process at a time, the holder
/// of its lease in the store (see ``SubscriptionLease``); another process running the
/// same subscription waits, and takes over within ``Configuration/leaseDuration`` when
/// the owner dies.
///
/// **Delivery.** One pipeline for every subscription: the delivery timeout, a
/// middleware chain (tracing, metrics and logging first, then the dispatcher's
/// `middleware`, then the subscription's own) and a ``RetryStrategy``.
///
/// **Lifecycle.** A swift-service-lifecycle `Service`: ``run()`` runs one loop per
/// subscription. On graceful shutdown it stops claiming new events, lets deliveries in
/// flight finish within ``Configuration/shutdownDeadline``, stores cursors and releases
/// leases, and cancels what is left; those deliveries are repeated after a restart.
public final class SubscriptionDispatcher: Service {
    /// Dispatcher-wide settings; every property has a default.
    public struct Configuration: Sendable {
        /// How often an idle subscription looks for events written by another process
        /// (default 1 s). Publishes through the bus in this process wake it at once.
        public var pollInterval: Duration
        /// How long graceful shutdown waits for deliveries in flight (default 10 s).
        public var shutdownDeadline: Duration
        /// Deliveries running at once across all subscriptions (default 64).
        public var maxConcurrentDeliveries: Int {
            didSet { maxConcurrentDeliveries = max(1, maxConcurrentDeliveries) }
        }
        /// How long a subscription's lease lasts unless renewed (default 30 s; renewed
        /// every third of it). A process that dies is replaced after at most this long.
        public var leaseDuration: Duration
        /// The least time between two background cursor writes of a subscription
        /// (default 5 ms), measured on the dispatcher's clock. `.zero` writes after every batch.
        public var cursorWriteInterval: Duration

        /// Creates a configuration; every parameter has the documented default.
        public init(
            pollInterval: Duration = .seconds(1), shutdownDeadline: Duration = .seconds(10), maxConcurrentDeliveries: Int = 64,
            leaseDuration: Duration = .seconds(30), cursorWriteInterval: Duration = .milliseconds(5)
        ) {
            self.pollInterval = pollInterval
            self.shutdownDeadline = shutdownDeadline
            self.maxConcurrentDeliveries = max(1, maxConcurrentDeliveries)
            self.leaseDuration = leaseDuration
            self.cursorWriteInterval = cursorWriteInterval
        }
    }

    /// The configuration the dispatcher was created with.
    public let configuration: Configuration
    /// This process's id as a lease owner: host name, process id and a random part.
    public let ownerID: String

    private let store: any DurableStore
    private let environment: DeliveryEnvironment
    private let middleware: [any DeliveryMiddleware]
    private let metricsFactory: any MetricsFactory
    private let state = Locked(State())
    private let newLoops: AsyncStream<SubscriptionLoop>
    private let newLoopsContinuation: AsyncStream<SubscriptionLoop>.Continuation
    private let loopsDone = WakeSignal()

    /// Whether graceful shutdown (or cancellation) has begun.
    package var isShuttingDown: Bool {
        state.withLock { $0.phase == .stopping || $0.phase == .stopped }
    }

    private struct State {
        var loops: [String: SubscriptionLoop] = [:]
        var phase = Phase.idle
        var activeLoops = 0
    }

    private enum Phase {
        case idle, running, stopping, stopped
    }

    /// Creates a dispatcher.
    /// - Parameters:
    ///   - store: events and subscription state (the same store the bus writes to).
    ///   - bus: when given, every commit through it wakes the subscriptions at once.
    ///   - configuration: polling, shutdown deadline, concurrency and leases.
    ///   - middleware: run around every delivery of every subscription, after tracing,
    ///     metrics and logging (which always run first, in that order).
    ///   - logger: deliveries log with `billing.subscription` and the event's metadata keys.
    ///   - metricsFactory: where delivery metrics go; the global `MetricsSystem` by default.
    ///   - clock: times timeouts, backoff, polling and lease renewal.
    ///   - wallClock: stamps attempts, dead letters and lease expiry.
    ///   - tracer: records `billing.deliver` spans linked to the publish span; the global tracer by default.
    public init(
        store: any DurableStore,
        bus: EventBus? = nil,
        configuration: Configuration = Configuration(),
        middleware: [any DeliveryMiddleware] = [],
        logger: Logger = .current,
        metricsFactory: (any MetricsFactory)? = nil,
        clock: any Clock<Duration> = SystemClock(),
        wallClock: WallClock = .system,
        tracer: (any Tracer)? = nil
    ) {
        self.store = store
        self.configuration = configuration
        let factory = metricsFactory ?? MetricsSystem.factory
        self.metricsFactory = factory
        self.ownerID = Self.makeOwnerID()
        self.environment = DeliveryEnvironment(
            store: store, clock: clock, wallClock: wallClock, logger: logger, pollInterval: configuration.pollInterval,
            leaseDuration: configuration.leaseDuration, cursorWriteInterval: configuration.cursorWriteInterval,
            permits: AsyncSemaphore(configuration.maxConcurrentDeliveries), owner: ownerID
        )
        self.middleware = [TracingMiddleware(tracer: tracer), MetricsMiddleware(factory: factory), LoggingMiddleware(logger: logger)] + middleware
        (newLoops, newLoopsContinuation) = AsyncStream.makeStream(of: SubscriptionLoop.self)
        bus?.observeCommits { [weak self] _ in self?.notifyAll() }
    }

    private static func makeOwnerID() -> String {
        let host = ProcessInfo.processInfo.hostName
        let process = ProcessInfo.processInfo.processIdentifier
        return "\(host):\(process):\(UUID().uuidString.prefix(8).lowercased())"
    }

    // MARK: - Subscribing

    /// Registers the handler of a durable subscription, creating the subscription the
    /// first time (at ``DurableSubscriptionOptions/startPosition``) and resuming it
    /// from its stored cursor afterwards.
    ///
    /// Call it before or while ``run()`` runs. A name has one handler per process. If the
    /// subscription exists with other patterns, they are replaced and the cursor stays:
    /// events before it that only the new patterns match are not delivered (a warning
    /// says so; replay to deliver them).
    /// - Parameters:
    ///   - name: the subscription's unique name, such as `invoice-mailer`.
    ///   - patterns: the event types it receives (`["invoice.*"]`).
    ///   - options: retries, timeout, concurrency, batch size and start position.
    ///   - middleware: run around this subscription's deliveries, innermost
    ///     (closest to the handler).
    ///   - handler: called for each event; throwing (or overrunning the timeout)
    ///     fails the attempt.
    /// - Throws: `invalid.argument` for an empty name, no patterns, a start after the
    ///   head, or a name already registered; `shut_down` after shutdown began; storage errors.
    public func subscribe(
        _ name: String,
        to patterns: [EventPattern],
        options: DurableSubscriptionOptions = DurableSubscriptionOptions(),
        middleware: [any DeliveryMiddleware] = [],
        handler: @escaping EventHandler
    ) async throws {
        try await subscribeDeliveries(name, to: patterns, options: options, middleware: middleware) { delivery in
            try await handler(delivery.event)
        }
    }

    /// Registers a handler that sees the whole ``Delivery`` (the plugin manager's).
    package func subscribeDeliveries(
        _ name: String,
        to patterns: [EventPattern],
        options: DurableSubscriptionOptions,
        middleware: [any DeliveryMiddleware],
        handler: @escaping DeliveryHandler
    ) async throws {
        guard !name.isEmpty, name.utf8.count <= 200, !name.contains(where: \.isNewline) else {
            throw BillingError.invalid("name", "A subscription name must be 1 to 200 bytes on one line")
        }
        guard !patterns.isEmpty else {
            throw BillingError.invalid("patterns", "A durable subscription needs at least one event pattern")
        }
        let head = try await store.headSequence()
        let initialCursor: Int64
        switch options.startPosition {
        case .beginning: initialCursor = 0
        case .end: initialCursor = head
        case .afterSequence(let sequence):
            guard (0...head).contains(sequence) else {
                throw BillingError.invalid("startPosition", "A subscription cannot start after sequence \(sequence): the store's head is \(head)")
            }
            initialCursor = sequence
        }
        let existing = try await store.subscription(named: name)
        let registered = try await store.registerSubscription(name: name, patterns: patterns, initialCursor: initialCursor, at: environment.wallClock.now())
        if let existing, existing.patterns != patterns {
            environment.logger.warning(
                "Durable subscription's patterns changed; its cursor stays, so earlier events that only the new patterns match are not delivered (replay to deliver them)",
                metadata: [
                    LogKeys.subscription: "\(name)", "billing.patterns.old": "\(existing.patterns)", "billing.patterns.new": "\(patterns)",
                    "billing.cursor": "\(registered.cursor)",
                ]
            )
        }
        var logger = environment.logger
        logger[metadataKey: LogKeys.subscription] = "\(name)"
        let pipeline = DeliveryPipeline(
            name: name, options: options, chain: MiddlewareChain(subscription: name, middleware: self.middleware + middleware, handler: handler),
            environment: environment, logger: logger
        )
        let loop = SubscriptionLoop(
            name: name, patterns: patterns, pipeline: pipeline, cursor: registered.cursor, environment: environment,
            lag: Gauge(label: "billing.subscription.lag", dimensions: [("subscription", name)], factory: metricsFactory)
        )
        try state.withLock { state in
            guard state.phase == .idle || state.phase == .running else {
                throw BillingError(.shutDown, "The dispatcher is shutting down; subscription '\(name)' was not started")
            }
            guard state.loops[name] == nil else {
                throw BillingError.invalid("name", "A handler for subscription '\(name)' is already registered")
            }
            state.loops[name] = loop
        }
        newLoopsContinuation.yield(loop)
    }

    /// Subscribes a typed handler; a payload that does not decode is a failed delivery.
    public func subscribe<Payload: BillingEventPayload>(
        _ name: String,
        to _: Payload.Type,
        options: DurableSubscriptionOptions = DurableSubscriptionOptions(),
        middleware: [any DeliveryMiddleware] = [],
        handler: @escaping @Sendable (Payload, BillingEvent) async throws -> Void
    ) async throws {
        try await subscribe(name, to: [.exact(Payload.eventType)], options: options, middleware: middleware) { event in
            try await handler(try event.decodePayload(as: Payload.self), event)
        }
    }

    /// Stops delivering to `name` in this process, and releases its lease. Its state
    /// (cursor, attempts, dead letters) stays, so subscribing again resumes where it stopped.
    public func unsubscribe(_ name: String) {
        let loop = state.withLock { $0.loops.removeValue(forKey: name) }
        loop?.beginStop()
    }

    // MARK: - Internals shared with the operations

    var durableStore: any DurableStore { store }

    var wallClock: WallClock { environment.wallClock }

    func loop(_ name: String) -> SubscriptionLoop? {
        state.withLock { $0.loops[name] }
    }

    /// Wakes every subscription (new events may be there).
    package func notifyAll() {
        for loop in state.withLock({ Array($0.loops.values) }) {
            loop.notify()
        }
    }

    // MARK: - Service

    /// Runs every registered subscription until graceful shutdown or cancellation.
    public func run() async throws {
        try state.withLock { state in
            guard state.phase == .idle else {
                throw BillingError(.unsupported, "SubscriptionDispatcher.run() may be called once")
            }
            state.phase = .running
        }
        defer { state.withLock { $0.phase = .stopped } }
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for await loop in newLoops {
                    state.withLock { $0.activeLoops += 1 }
                    group.addTask {
                        await loop.run()
                        self.state.withLock { $0.activeLoops -= 1 }
                        self.loopsDone.notify()
                    }
                }
                // Shutdown began: give deliveries in flight until the deadline, then cancel them.
                if await waitForLoops(deadline: configuration.shutdownDeadline) == false {
                    environment.logger.warning(
                        "Shutdown deadline passed; deliveries still in flight were cut off and will be delivered again after a restart",
                        metadata: ["billing.shutdown.deadline": "\(configuration.shutdownDeadline)"]
                    )
                    group.cancelAll()
                }
            }
        } onGracefulShutdown: {
            self.beginStop()
        }
    }

    private func beginStop() {
        let loops = state.withLock { state -> [SubscriptionLoop] in
            state.phase = .stopping
            return Array(state.loops.values)
        }
        newLoopsContinuation.finish()
        for loop in loops {
            loop.beginStop()
        }
    }

    /// Waits until every subscription loop has returned, or the deadline passes.
    private func waitForLoops(deadline: Duration) async -> Bool {
        let finished = await withDeadline(deadline, clock: environment.clock) {
            while true {
                let generation = self.loopsDone.generation
                if self.state.withLock({ $0.activeLoops }) == 0 { return true }
                await self.loopsDone.wait(after: generation)
                if Task.isCancelled { return false }
            }
        }
        if case .completed(true) = finished { return true }
        return false
    }
}
