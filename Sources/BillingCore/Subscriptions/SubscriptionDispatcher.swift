public import CoreMetrics
public import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization
public import Tracing

/// Durable subscriptions: named, persisted, at-least-once delivery with retries,
/// dead letters, replay and pause.
///
/// ```swift
/// let dispatcher = SubscriptionDispatcher(store: store, bus: bus)
/// try await dispatcher.subscribe("invoice-mailer", to: ["invoice.*"]) { event in
///     try await mailer.send(for: event)            // deduplicate on event.id
/// }
/// try await ServiceGroup(services: [bus, dispatcher], logger: logger).run()
/// ```
///
/// **Guarantees.** Every event committed to the store reaches every durable
/// subscription that matches it, at least once, even across crashes and `kill -9`.
/// Each subscription receives its events in sequence order (with
/// `entityConcurrency` above 1: each entity's events in order). A cursor is
/// persisted only past events whose handler returned or that were dead-lettered, so
/// after a crash only deliveries not yet covered by the persisted cursor repeat.
/// One subscription's failure never delays or repeats another's deliveries.
///
/// **Lifecycle.** A swift-service-lifecycle `Service`: ``run()`` runs one loop per
/// subscription. On graceful shutdown it stops claiming new events, lets
/// deliveries in flight finish within ``Configuration/shutdownDeadline``, persists
/// cursors, and cancels what is left; those deliveries are repeated after a restart.
public final class SubscriptionDispatcher: Service, Sendable {
    /// Dispatcher-wide settings; every property has a default.
    public struct Configuration: Sendable {
        /// How often an idle subscription looks for events written by another process
        /// (default 1 s). Publishes through the bus in this process wake it at once.
        public var pollInterval: Duration
        /// How long graceful shutdown waits for deliveries in flight (default 10 s).
        public var shutdownDeadline: Duration
        /// Deliveries running at once across all subscriptions (default 64).
        public var maxConcurrentDeliveries: Int

        /// Creates a configuration; every parameter has the documented default.
        public init(pollInterval: Duration = .seconds(1), shutdownDeadline: Duration = .seconds(10), maxConcurrentDeliveries: Int = 64) {
            self.pollInterval = pollInterval
            self.shutdownDeadline = shutdownDeadline
            self.maxConcurrentDeliveries = max(1, maxConcurrentDeliveries)
        }
    }

    /// The store subscriptions are read from and persisted to.
    public let store: any DurableStore
    /// The configuration the dispatcher was created with.
    public let configuration: Configuration

    private let environment: DeliveryEnvironment
    private let state = Mutex(State())
    private let newWorkers: AsyncStream<SubscriptionWorker>
    private let newWorkersContinuation: AsyncStream<SubscriptionWorker>.Continuation
    private let workersDone = WakeSignal()

    /// Whether graceful shutdown (or cancellation) has begun.
    package var isShuttingDown: Bool {
        state.withLock { $0.phase == .stopping || $0.phase == .stopped }
    }

    private struct State {
        var workers: [String: SubscriptionWorker] = [:]
        var phase = Phase.idle
        var activeLoops = 0
    }

    private enum Phase {
        case idle, running, stopping, stopped
    }

    private struct ShutdownDeadlineExceeded: Error {}

    /// Creates a dispatcher.
    /// - Parameters:
    ///   - store: events and subscription state (the same SQLite or in-memory store the bus writes to).
    ///   - bus: when given, every commit through it wakes the subscriptions at once.
    ///   - configuration: polling, shutdown deadline and concurrency.
    ///   - logger: deliveries log with `billing.subscription` and the event's metadata keys.
    ///   - metricsFactory: where delivery metrics go; the global `MetricsSystem` by default.
    ///   - clock: times retries, backoff, timeouts and polling.
    ///   - tracer: records `billing.deliver` spans linked to the publish span; the global tracer by default.
    public init(
        store: any DurableStore,
        bus: EventBus? = nil,
        configuration: Configuration = Configuration(),
        logger: Logger = Logger(label: "billing.subscriptions"),
        metricsFactory: (any MetricsFactory)? = nil,
        clock: any BillingClock = SystemClock(),
        tracer: (any Tracer)? = nil
    ) {
        self.store = store
        self.configuration = configuration
        self.environment = DeliveryEnvironment(
            store: store, clock: clock, logger: logger,
            metrics: DeliveryMetrics(factory: metricsFactory ?? MetricsSystem.factory), tracer: tracer,
            pollInterval: configuration.pollInterval, permits: AsyncSemaphore(configuration.maxConcurrentDeliveries)
        )
        (newWorkers, newWorkersContinuation) = AsyncStream.makeStream(of: SubscriptionWorker.self)
        bus?.observeCommits { [weak self] _ in self?.notifyAll() }
    }

    // MARK: - Subscribing

    /// Registers the handler of a durable subscription, creating the subscription the
    /// first time (at ``DurableSubscriptionOptions/startPosition``) and resuming it
    /// from its persisted cursor afterwards.
    ///
    /// Call it before or while ``run()`` runs. A name has one handler per process.
    /// - Throws: `invalid.argument` for an empty name or no patterns, or if the name is
    ///   already registered; `shut_down` after shutdown began; storage errors.
    public func subscribe(
        _ name: String,
        to patterns: [EventPattern],
        options: DurableSubscriptionOptions = DurableSubscriptionOptions(),
        handler: @escaping EventHandler
    ) async throws {
        guard !name.isEmpty, name.utf8.count <= 200, !name.contains(where: \.isNewline) else {
            throw BillingError.invalid("name", "A subscription name must be 1 to 200 bytes on one line")
        }
        guard !patterns.isEmpty else {
            throw BillingError.invalid("patterns", "A durable subscription needs at least one event pattern")
        }
        let initialCursor: Int64
        switch options.startPosition {
        case .beginning: initialCursor = 0
        case .afterSequence(let sequence): initialCursor = max(0, sequence)
        case .end: initialCursor = try await store.headSequence()
        }
        let subscriptionState = try await store.registerSubscription(
            name: name, patterns: patterns, initialCursor: initialCursor, at: environment.clock.now()
        )
        let worker = SubscriptionWorker(
            name: name, patterns: patterns, options: options, state: subscriptionState, handler: handler, environment: environment
        )
        try state.withLock { state in
            guard state.phase == .idle || state.phase == .running else {
                throw BillingError(.shutDown, "The dispatcher is shutting down; subscription '\(name)' was not started")
            }
            guard state.workers[name] == nil else {
                throw BillingError.invalid("name", "A handler for subscription '\(name)' is already registered")
            }
            state.workers[name] = worker
        }
        newWorkersContinuation.yield(worker)
    }

    /// Subscribes a typed handler; a payload that does not decode is a failed delivery.
    public func subscribe<Payload: BillingEventPayload>(
        _ name: String,
        to _: Payload.Type,
        options: DurableSubscriptionOptions = DurableSubscriptionOptions(),
        handler: @escaping @Sendable (Payload, BillingEvent) async throws -> Void
    ) async throws {
        try await subscribe(name, to: [.exact(Payload.eventType)], options: options) { event in
            try await handler(try event.decodePayload(as: Payload.self), event)
        }
    }

    /// Stops delivering to `name` in this process. Its state (cursor, dead letters)
    /// stays, so subscribing again resumes where it stopped.
    public func unsubscribe(_ name: String) {
        let worker = state.withLock { $0.workers.removeValue(forKey: name) }
        worker?.beginStop()
    }

    // MARK: - Operations

    /// The status of every subscription in the store.
    public func statuses() async throws -> [SubscriptionStatus] {
        var result: [SubscriptionStatus] = []
        for subscription in try await store.subscriptions() {
            result.append(try await status(of: subscription))
        }
        return result
    }

    /// The status of one subscription.
    /// - Throws: `not_found` if no subscription has that name.
    public func status(of name: String) async throws -> SubscriptionStatus {
        try await status(of: try requireSubscription(name))
    }

    private func status(of subscription: SubscriptionState) async throws -> SubscriptionStatus {
        let head = try await store.headSequence()
        let oldest = try await store.events(
            matching: EventFilters(typePatterns: subscription.patterns, afterSequence: subscription.cursor, limit: 1)
        ).first
        let age = oldest.map { event -> Duration in
            let seconds = max(0, environment.clock.now().timeIntervalSince(event.timestamp))
            return .nanoseconds(Int64(seconds * 1e9))
        }
        let worker = state.withLock { $0.workers[subscription.name] }
        return SubscriptionStatus(
            name: subscription.name, patterns: subscription.patterns, cursor: subscription.cursor, headSequence: head,
            oldestUndeliveredAge: age, isPaused: subscription.isPaused, isActive: worker?.isRunning ?? false,
            deadLetterCount: try await store.deadLetterCount(subscription: subscription.name)
        )
    }

    /// Pauses delivery to `name` (persisted: it stays paused across restarts).
    /// The delivery in hand finishes; no new one starts.
    public func pause(_ name: String) async throws {
        _ = try await requireSubscription(name)
        try await store.setPaused(true, subscription: name, at: environment.clock.now())
        state.withLock { $0.workers[name] }?.setPaused(true)
    }

    /// Resumes delivery to `name`.
    public func resume(_ name: String) async throws {
        _ = try await requireSubscription(name)
        try await store.setPaused(false, subscription: name, at: environment.clock.now())
        state.withLock { $0.workers[name] }?.setPaused(false)
    }

    /// Delivers again every matching event after `sequence` (0 replays everything).
    /// Returns once the new position is in effect.
    public func replay(_ name: String, afterSequence sequence: Int64) async throws {
        _ = try await requireSubscription(name)
        guard sequence >= 0 else {
            throw BillingError.invalid("sequence", "A replay starts after a sequence of 0 or more")
        }
        if let worker = state.withLock({ $0.workers[name] }), await worker.requestReset(to: sequence) {
            return
        }
        try await store.setCursor(of: name, to: sequence, at: environment.clock.now())
    }

    /// Delivers again every matching event stamped at or after `date`.
    public func replay(_ name: String, from date: Date) async throws {
        let first = try await store.events(matching: EventFilters(from: date, limit: 1)).first
        // Events before the first one at or after `date` are skipped; with none, nothing is replayed.
        let sequence: Int64
        if let first {
            sequence = (first.sequence ?? 1) - 1
        } else {
            sequence = try await store.headSequence()
        }
        try await replay(name, afterSequence: sequence)
    }

    /// Dead letters in id order; of one subscription when `subscription` is given.
    public func deadLetters(subscription: String? = nil, after id: Int64? = nil, limit: Int = 100) async throws -> [DeadLetter] {
        guard limit >= 1 else { throw BillingError.invalid("limit", "limit must be at least 1") }
        return try await store.deadLetters(subscription: subscription, onlyRedeliveryRequested: false, afterID: id, limit: limit)
    }

    /// One dead letter.
    public func deadLetter(id: Int64) async throws -> DeadLetter? {
        try await store.deadLetter(id: id)
    }

    /// Delivers a dead letter again (through its subscription's retry policy). On success
    /// it is removed; on failure it stays, with its attempts and error updated.
    /// - Throws: `not_found` if there is no such dead letter.
    public func redeliver(deadLetter id: Int64) async throws {
        guard let letter = try await store.deadLetter(id: id) else {
            throw BillingError(.notFound, "No dead letter with id \(id)", field: "id")
        }
        _ = try await store.requestRedelivery(.ids([id]))
        state.withLock { $0.workers[letter.subscription] }?.notify()
    }

    /// Delivers every dead letter of `subscription` again; returns how many were queued.
    @discardableResult
    public func redeliverAll(subscription: String) async throws -> Int {
        let count = try await store.requestRedelivery(.subscription(subscription))
        state.withLock { $0.workers[subscription] }?.notify()
        return count
    }

    /// Deletes dead letters without delivering them; returns how many.
    @discardableResult
    public func discard(_ selection: DeadLetterSelection) async throws -> Int {
        try await store.removeDeadLetters(selection)
    }

    private func requireSubscription(_ name: String) async throws -> SubscriptionState {
        guard let subscription = try await store.subscription(named: name) else {
            throw BillingError(.notFound, "No durable subscription named '\(name)'", field: "name")
        }
        return subscription
    }

    /// Wakes every subscription (new events may be there).
    package func notifyAll() {
        for worker in state.withLock({ Array($0.workers.values) }) {
            worker.notify()
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
        do {
            try await withGracefulShutdownHandler {
                try await withThrowingDiscardingTaskGroup { group in
                    for await worker in newWorkers {
                        state.withLock { $0.activeLoops += 1 }
                        group.addTask {
                            await worker.run()
                            self.state.withLock { $0.activeLoops -= 1 }
                            self.workersDone.notify()
                        }
                    }
                    // Shutdown began: give deliveries in flight until the deadline.
                    group.addTask {
                        if await self.waitForLoops(deadline: self.configuration.shutdownDeadline) == false {
                            throw ShutdownDeadlineExceeded()
                        }
                    }
                }
            } onGracefulShutdown: {
                self.beginStop()
            }
        } catch is ShutdownDeadlineExceeded {
            environment.logger.warning(
                "Shutdown deadline passed; deliveries still in flight were cut off and will be delivered again after a restart",
                metadata: ["billing.shutdown.deadline": "\(configuration.shutdownDeadline)"]
            )
        } catch is CancellationError {
            // Cancelled rather than shut down gracefully: cursors are persisted up to
            // what settled, and everything else is delivered again later.
        }
    }

    private func beginStop() {
        let workers = state.withLock { state -> [SubscriptionWorker] in
            state.phase = .stopping
            return Array(state.workers.values)
        }
        newWorkersContinuation.finish()
        for worker in workers {
            worker.beginStop()
        }
    }

    /// Waits until every subscription loop has returned, or the deadline passes.
    private func waitForLoops(deadline: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                while true {
                    let generation = self.workersDone.generation
                    if self.state.withLock({ $0.activeLoops }) == 0 { return true }
                    await self.workersDone.wait(after: generation)
                    if Task.isCancelled { return false }
                }
            }
            group.addTask {
                try? await self.environment.clock.sleep(for: deadline)
                return false
            }
            let finished = await group.next() ?? false
            group.cancelAll()
            return finished
        }
    }
}
