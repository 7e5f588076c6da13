public import CoreMetrics
public import Logging
public import ServiceLifecycle
import Synchronization
public import Tracing

/// The event bus: `publish` = validate → deduplicate → persist → run inline handlers.
///
/// - **Persist first.** An event is published once the store commits it. A batch
///   (`publish([events])`) is atomic: one invalid event and none is stored.
/// - **Validated.** Limits (``EventLimits``) and, for the built-in types and any the
///   host registers (``Configuration/payloadTypes``), the payload's schema.
/// - **Idempotent.** An event whose id, or `(tenantId, idempotencyKey)`, is already
///   stored with the same content is not stored or dispatched again: the result says
///   ``StoredEvent/isDuplicate``. The same key with other content is `idempotency.conflict`.
/// - **Isolated handlers.** Inline handlers (the specification's `subscribe`) run
///   concurrently; a handler that throws or overruns ``Configuration/handlerTimeout``
///   is logged with the event's id and type and counted in `billing.handler.failures`.
///   Neither reaches the publisher or another handler.
/// - **Lifecycle.** The bus is a swift-service-lifecycle `Service`: ``run()`` drives the
///   background workers and ends live streams on shutdown. Nothing starts in `init`.
///
/// Inline handlers are in-process and best effort: they are not retried and do not
/// survive a crash. Durable, at-least-once delivery is what durable subscriptions add.
public final class EventBus: EventPublisher, Service {
    /// The configuration the bus was created with.
    public let configuration: Configuration
    /// The time of day typed publishes are stamped with.
    public let wallClock: WallClock

    private let store: any EventStore
    private let validator: EventValidator
    private let clock: any Clock<Duration>
    private let logger: Logger
    private let metrics: BusMetrics
    private let handlers = HandlerRegistry()
    private let liveStreams = LiveStreamRegistry()
    private let queue: BackgroundDispatchQueue
    private let runState = Locked(RunState.idle)
    private let tracer: (any Tracer)?
    private let commitObservers = Locked<[@Sendable (Int64) -> Void]>([])

    private enum RunState {
        case idle, running, stopped
    }

    /// Creates a bus over a store.
    /// - Parameters:
    ///   - store: where events are persisted.
    ///   - configuration: limits, payload types, timeouts and dispatch mode.
    ///   - logger: receives handler failures and publish errors.
    ///   - metricsFactory: where metrics go; the global `MetricsSystem` by default.
    ///   - clock: times handler deadlines.
    ///   - wallClock: stamps typed publishes.
    ///   - tracer: records a `billing.publish` span per publish and writes its context
    ///     into each event's metadata; the global `InstrumentationSystem.tracer` by default.
    public init(
        store: any EventStore,
        configuration: Configuration = Configuration(),
        logger: Logger = .current,
        metricsFactory: (any MetricsFactory)? = nil,
        clock: any Clock<Duration> = SystemClock(),
        wallClock: WallClock = .system,
        tracer: (any Tracer)? = nil
    ) {
        self.tracer = tracer
        self.store = store
        self.configuration = configuration
        self.validator = EventValidator(limits: configuration.limits, payloadTypes: configuration.payloadTypes)
        self.clock = clock
        self.wallClock = wallClock
        self.logger = logger
        self.metrics = BusMetrics(factory: metricsFactory ?? MetricsSystem.factory)
        self.queue = BackgroundDispatchQueue(capacity: configuration.backgroundQueueCapacity)
    }

    // MARK: - Publishing

    /// Publishes a batch atomically: every new event is stored, or none is.
    ///
    /// Returns one result per event, in input order; duplicates come back as the events
    /// stored earlier. Handlers run for the new events only, in batch order.
    /// - Throws: ``BillingError`` coded `invalid.argument` or `limit.exceeded` naming the
    ///   field, `idempotency.conflict`, or a storage code. Handler failures are never thrown.
    @discardableResult
    public func publish(_ events: [BillingEvent]) async throws -> [StoredEvent] {
        let tracer = self.tracer ?? InstrumentationSystem.tracer
        let span = tracer.startSpan("billing.publish", context: ServiceContext.current ?? .topLevel, ofKind: .producer)
        defer { span.end() }
        // Attributes only for a span that records them: the no-op tracer's span would
        // drop them after the id had been formatted.
        if span.isRecording {
            span.attributes["billing.events.count"] = events.count
            if events.count == 1 {
                span.attributes[LogKeys.eventType] = events[0].type.rawValue
                span.attributes[LogKeys.eventID] = events[0].id.description
            }
        }
        // The publish span's context rides in each event's metadata, so deliveries
        // (anywhere, any time later) can link back to it.
        let traceMetadata = EventTraceContext.metadata(for: span.context, tracer: tracer)
        let events = traceMetadata.isEmpty ? events : events.map { $0.addingMetadata(traceMetadata) }
        do {
            return try await persistAndDispatch(events)
        } catch {
            span.recordError(error)
            span.setStatus(SpanStatus(code: .error))
            throw error
        }
    }

    private func persistAndDispatch(_ events: [BillingEvent]) async throws -> [StoredEvent] {
        let started = ContinuousClock.now
        try validator.validate(batch: events)
        let results: [StoredEvent]
        do {
            results = try await store.append(events)
        } catch {
            metrics.publishFailures.increment()
            let failure = error as? BillingError
                ?? BillingError(.storageFailure, "The event store failed to append \(events.count) event(s)", underlying: error)
            logger.error("Publish failed; nothing was stored", error: failure, metadata: ["billing.events.count": "\(events.count)"])
            throw failure
        }
        var fresh: [BillingEvent] = []
        fresh.reserveCapacity(results.count)
        for result in results {
            if result.isDuplicate {
                metrics.deduplicated.increment()
            } else {
                metrics.published(result.event.type)
                fresh.append(result.event)
            }
        }
        metrics.publishDuration.record(duration: ContinuousClock.now - started)
        if let head = fresh.compactMap(\.sequence).max() {
            for observer in commitObservers.withLock({ $0 }) {
                observer(head)
            }
        }
        if !fresh.isEmpty {
            await dispatchAfterCommit(fresh)
        }
        return results
    }

    /// Calls `observer` with the highest new sequence after every commit that stored
    /// something (the durable dispatcher wakes on it). Observers must return at once.
    package func observeCommits(_ observer: @escaping @Sendable (Int64) -> Void) {
        commitObservers.withLock { $0.append(observer) }
    }

    // MARK: - Subscribing

    /// Runs `handler` for every published event of exactly this type.
    @discardableResult
    public func subscribe(_ type: BillingEventType, name: String? = nil, handler: @escaping EventHandler) -> EventSubscription {
        handlers.add(name: name, pattern: .exact(type), handler: handler)
    }

    /// Runs `handler` for every published event whose type matches `pattern` (`invoice.*`, `*`).
    @discardableResult
    public func subscribe(pattern: EventPattern, name: String? = nil, handler: @escaping EventHandler) -> EventSubscription {
        handlers.add(name: name, pattern: pattern, handler: handler)
    }

    /// Runs `handler` with the decoded payload for every published event of `Payload`'s type.
    ///
    /// A payload that does not decode counts as a handler failure (logged, counted,
    /// isolated), like any other error.
    @discardableResult
    public func subscribe<Payload: BillingEventPayload>(
        to _: Payload.Type,
        name: String? = nil,
        handler: @escaping @Sendable (Payload, BillingEvent) async throws -> Void
    ) -> EventSubscription {
        handlers.add(name: name ?? String(describing: Payload.self), pattern: .exact(Payload.eventType)) { event in
            try await handler(try event.decodePayload(as: Payload.self), event)
        }
    }

    /// A live tail of published events matching any of `patterns`.
    ///
    /// - Parameters:
    ///   - patterns: the event types to stream (default: every event).
    ///   - bufferSize: events held for a slow consumer; ``Configuration/liveStreamBufferSize`` by default.
    ///   - overflow: which events a full buffer drops; see ``LiveEventStream``.
    public func liveEvents(
        matching patterns: [EventPattern] = [.all],
        bufferSize: Int? = nil,
        overflow: LiveEventStream.OverflowPolicy = .dropOldest
    ) -> LiveEventStream {
        liveStreams.makeStream(
            patterns: patterns,
            bufferSize: bufferSize ?? configuration.liveStreamBufferSize,
            overflow: overflow
        )
    }

    // MARK: - Service

    /// Whether ``run()`` is running, so background dispatch goes to its workers.
    public var isRunning: Bool {
        runState.withLock { if case .running = $0 { true } else { false } }
    }

    /// Runs the background workers until graceful shutdown or cancellation, then
    /// drains the queue (handlers still get their timeout) and ends live streams.
    ///
    /// A bus runs once; a second concurrent or later call throws `unsupported`.
    public func run() async throws {
        let canStart = runState.withLock { state -> Bool in
            guard case .idle = state else { return false }
            state = .running
            return true
        }
        guard canStart else {
            throw BillingError(.unsupported, "EventBus.run() may be called once per bus")
        }
        defer {
            runState.withLock { $0 = .stopped }
            liveStreams.finishAll()
        }
        let workers = configuration.dispatchMode == .background ? max(1, configuration.backgroundWorkers) : 1
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await withDiscardingTaskGroup { group in
                    for _ in 0..<workers {
                        group.addTask {
                            while let batch = await self.queue.next() {
                                await self.dispatch(batch)
                            }
                        }
                    }
                }
            } onCancel: {
                self.queue.finish()
            }
        } onGracefulShutdown: {
            self.queue.finish()
        }
    }

    // MARK: - Dispatch

    private func dispatchAfterCommit(_ events: [BillingEvent]) async {
        if !liveStreams.isEmpty {
            for event in events {
                let dropped = liveStreams.yield(event)
                if dropped > 0 {
                    metrics.liveDropped.increment(by: Int64(dropped))
                }
            }
        }
        if configuration.dispatchMode == .background, isRunning {
            if await queue.enqueue(events) {
                return
            }
        }
        await dispatch(events)
    }

    /// Runs the handlers of each event in order; an event's handlers run concurrently.
    private func dispatch(_ events: [BillingEvent]) async {
        for event in events {
            let registrations = handlers.matching(event.type)
            switch registrations.count {
            case 0:
                continue
            case 1:
                await invoke(registrations[0], with: event)
            default:
                await withDiscardingTaskGroup { group in
                    for registration in registrations {
                        group.addTask { await self.invoke(registration, with: event) }
                    }
                }
            }
        }
    }

    private func invoke(_ registration: HandlerRegistry.Registration, with event: BillingEvent) async {
        let started = ContinuousClock.now
        let result = await DeliveryRunner.call(timeout: configuration.handlerTimeout, clock: clock) {
            try await registration.handler(event)
        }
        metrics.handlerDuration.record(duration: ContinuousClock.now - started)
        // Log before counting: whoever waits for the failure counter then finds the
        // log line too (a test did, and raced under ThreadSanitizer).
        switch result {
        case .returned:
            break
        case .threw(let error):
            logger.error("Event handler failed", error: error, metadata: handlerMetadata(registration, event))
            metrics.handlerFailed(handler: registration.name, reason: "error")
        case .cancelled:
            // The publisher was cancelled; the event is stored, the handler abandoned.
            logger.warning("Event handler abandoned because the publisher was cancelled", metadata: handlerMetadata(registration, event))
            metrics.handlerFailed(handler: registration.name, reason: "cancelled")
        case .timedOut:
            var metadata = handlerMetadata(registration, event)
            metadata["billing.handler.timeout"] = "\(configuration.handlerTimeout.map { "\($0)" } ?? "none")"
            logger.error("Event handler timed out and was abandoned", metadata: metadata)
            metrics.handlerFailed(handler: registration.name, reason: "timeout")
        }
    }

    private func handlerMetadata(_ registration: HandlerRegistry.Registration, _ event: BillingEvent) -> Logger.Metadata {
        [
            LogKeys.eventID: "\(event.id)",
            LogKeys.eventType: "\(event.type)",
            LogKeys.handler: "\(registration.name)",
        ]
    }
}
