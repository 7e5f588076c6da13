import Foundation
import Logging
import Synchronization
import Tracing

/// What every worker of one dispatcher shares.
struct DeliveryEnvironment: Sendable {
    let store: any DurableStore
    let clock: any BillingClock
    let logger: Logger
    let metrics: DeliveryMetrics
    let tracer: (any Tracer)?
    let pollInterval: Duration
    /// Bounds concurrent deliveries across all subscriptions.
    let permits: AsyncSemaphore
}

/// Delivers one durable subscription's events, in order, with retries and dead letters.
///
/// The loop: apply operator requests (replay, pause) → redeliver dead letters an
/// operator asked for → read the next batch after the cursor → deliver it → advance
/// the cursor (written in the background by a ``CursorPersister``) → wait for a publish
/// (or the poll interval) when there is nothing to do. The cursor only ever covers
/// events whose handler returned (or that were dead-lettered), so a crash repeats at
/// most the deliveries since the last cursor write.
final class SubscriptionWorker: Sendable {
    let name: String
    let patterns: [EventPattern]
    let options: DurableSubscriptionOptions

    private let handler: EventHandler
    private let environment: DeliveryEnvironment
    private let instruments: DeliveryMetrics.Instruments
    private let logger: Logger
    private let wake = WakeSignal()
    /// Fired by `beginStop`; cuts retry backoffs short (several lanes may wait at once).
    private let stop = StopSignal()
    private let control: Mutex<Control>
    /// Stores the cursor in the background, so delivery never waits for the write.
    private let persister: CursorPersister

    private struct Control {
        var stopping = false
        var paused: Bool
        var running = false
        var cursor: Int64
        var pendingReset: (sequence: Int64, waiter: CheckedContinuation<Bool, Never>)?
    }

    /// How one event's delivery ended, for the cursor.
    private enum Settlement {
        /// Handled, or dead-lettered: the cursor may pass it.
        case settled
        /// Cut off (shutdown, pause, cancellation) before it settled: it will be delivered again.
        case interrupted
    }

    /// How the attempts at one event ended.
    private enum AttemptsResult {
        case delivered
        case exhausted(attempts: Int, lastError: String, firstFailedAt: Date, lastFailedAt: Date)
        case interrupted
    }

    init(
        name: String, patterns: [EventPattern], options: DurableSubscriptionOptions, state: SubscriptionState,
        handler: @escaping EventHandler, environment: DeliveryEnvironment
    ) {
        self.name = name
        self.patterns = patterns
        self.options = options
        self.handler = handler
        self.environment = environment
        self.instruments = environment.metrics.instruments(for: name)
        var logger = environment.logger
        logger[metadataKey: LogKeys.subscription] = "\(name)"
        self.logger = logger
        self.control = Mutex(Control(paused: state.isPaused, cursor: state.cursor))
        let store = environment.store
        let clock = environment.clock
        self.persister = CursorPersister(persisted: state.cursor, logger: logger) { sequence in
            try await store.advanceCursor(of: name, to: sequence, at: clock.now())
        }
    }

    // MARK: Control from the dispatcher and operators

    var isRunning: Bool { control.withLock { $0.running } }

    /// Stop claiming work; the loop finishes the delivery in hand, persists its cursor and returns.
    func beginStop() {
        control.withLock { $0.stopping = true }
        stop.fire()
        wake.notify()
    }

    /// Pauses or resumes (the store's flag is written by the caller).
    func setPaused(_ paused: Bool) {
        control.withLock { $0.paused = paused }
        wake.notify()
    }

    /// New events may be there.
    func notify() {
        wake.notify()
    }

    /// Moves the cursor to `sequence` between deliveries and waits until it is applied
    /// and persisted. Returns `false` at once if the loop is not running; the caller
    /// then writes the store itself.
    func requestReset(to sequence: Int64) async -> Bool {
        let accepted = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let (accepted, superseded) = control.withLock { control -> (Bool, CheckedContinuation<Bool, Never>?) in
                guard control.running, !control.stopping else { return (false, nil) }
                let superseded = control.pendingReset?.waiter
                control.pendingReset = (sequence, continuation)
                return (true, superseded)
            }
            superseded?.resume(returning: true)  // a later replay replaces an earlier one
            if accepted {
                wake.notify()
            } else {
                continuation.resume(returning: false)
            }
        }
        return accepted
    }

    private var mustStopClaiming: Bool {
        control.withLock { $0.stopping || $0.paused || $0.pendingReset != nil }
    }

    private var isStopping: Bool {
        control.withLock { $0.stopping }
    }

    // MARK: The loop

    func run() async {
        control.withLock { $0.running = true }
        logger.debug("Durable subscription started")
        defer {
            let reset = control.withLock { control -> CheckedContinuation<Bool, Never>? in
                control.running = false
                defer { control.pendingReset = nil }
                return control.pendingReset?.waiter
            }
            reset?.resume(returning: false)
            logger.debug("Durable subscription stopped")
        }
        // The persisted state may have changed since registration (a replay or a pause
        // before the dispatcher started, another process): start from what is stored.
        var loaded = false
        while !loaded && !isStopping && !Task.isCancelled {
            do {
                if let stored = try await environment.store.subscription(named: name) {
                    control.withLock { control in
                        control.cursor = stored.cursor
                        control.paused = stored.isPaused
                    }
                    persister.reset(to: stored.cursor)
                }
                loaded = true
            } catch {
                logger.error("Durable subscription could not load its state", metadata: ["error": "\(error)"])
                _ = await stop.sleep(for: environment.pollInterval, clock: environment.clock)
            }
        }
        while !isStopping && !Task.isCancelled {
            // Read the wake-up generation before looking for work (see WakeSignal).
            let generation = wake.generation
            do {
                try await applyPendingReset()
                if control.withLock({ $0.paused }) {
                    await wake.wait(after: generation)
                    continue
                }
                if try await redeliverRequestedDeadLetters() {
                    continue
                }
                if try await deliverNextBatch() == false {
                    await wake.wait(after: generation, timeout: environment.pollInterval, clock: environment.clock)
                }
            } catch {
                // Storage trouble: log, wait, try again; the cursor has not moved.
                logger.error("Durable subscription could not read or persist its state", metadata: ["error": "\(error)"])
                await wake.wait(after: generation, timeout: environment.pollInterval, clock: environment.clock)
            }
        }
        // Store how far delivery got before stopping.
        do {
            try await persister.flush()
        } catch {
            logger.error("Durable subscription could not persist its cursor at stop; those events will be delivered again", metadata: ["error": "\(error)"])
        }
    }

    private var cursor: Int64 {
        control.withLock { $0.cursor }
    }

    /// Moves the cursor past handled events; the store is written in the background.
    private func persistCursor(_ sequence: Int64) {
        control.withLock { $0.cursor = max($0.cursor, sequence) }
        persister.request(sequence)
    }

    private func applyPendingReset() async throws {
        guard let reset = control.withLock({ $0.pendingReset }) else { return }
        // A background write still running could move the cursor forward past the reset.
        try await persister.flush()
        try await environment.store.setCursor(of: name, to: reset.sequence, at: environment.clock.now())
        persister.reset(to: reset.sequence)
        control.withLock { control in
            control.cursor = reset.sequence
            control.pendingReset = nil
        }
        logger.info("Durable subscription replays from a new cursor", metadata: ["billing.cursor": "\(reset.sequence)"])
        reset.waiter.resume(returning: true)
    }

    /// Reads and delivers one batch. Returns `false` when there was nothing to deliver.
    private func deliverNextBatch() async throws -> Bool {
        let start = cursor
        let head = try await environment.store.headSequence()
        let batch = try await environment.store.events(
            matching: EventFilters(typePatterns: patterns, afterSequence: start, limit: options.batchSize)
        )
        guard !batch.isEmpty else {
            // Nothing matches up to the head: skip the non-matching tail so lag reads 0.
            if head > start, !mustStopClaiming {
                persistCursor(head)
            }
            instruments.lag.record(0)
            return false
        }
        let completed = await deliver(batch)
        guard var newCursor = completed else { return true }
        // The whole batch settled and it was the last one: every event up to the head
        // that was read before it is either in it or does not match.
        if newCursor == batch.last?.sequence, batch.count < options.batchSize {
            newCursor = max(newCursor, head)
        }
        if control.withLock({ $0.pendingReset == nil }), newCursor > start {
            persistCursor(newCursor)
        }
        instruments.lag.record(Double(max(0, head - newCursor)))
        return true
    }

    /// Delivers a batch, sequentially or in entity lanes. Returns the highest sequence
    /// up to which every event settled, or `nil` if none did.
    private func deliver(_ batch: [BillingEvent]) async -> Int64? {
        if options.entityConcurrency == 1 {
            return await deliverInOrder(batch[...]).last
        }

        // Entity lanes: each entity's events in order, up to `entityConcurrency` lanes at once.
        var lanes: [String: [BillingEvent]] = [:]
        var laneOrder: [String] = []
        for event in batch {
            let key = event.entityId.map { "e:" + $0 } ?? "id:\(event.id)"
            if lanes[key] == nil { laneOrder.append(key) }
            lanes[key, default: []].append(event)
        }
        let done = await withTaskGroup(of: [Int64].self) { group -> Set<Int64> in
            var settled: Set<Int64> = []
            var running = 0
            for key in laneOrder {
                if running == options.entityConcurrency, let finished = await group.next() {
                    settled.formUnion(finished)
                    running -= 1
                }
                let lane = lanes[key]!
                group.addTask { await self.deliverInOrder(lane[...]) }
                running += 1
            }
            for await finished in group {
                settled.formUnion(finished)
            }
            return settled
        }
        var completed: Int64?
        for event in batch {
            guard let sequence = event.sequence, done.contains(sequence) else { break }
            completed = sequence
        }
        return completed
    }

    /// Delivers `events` in order and returns the sequences that settled: a prefix,
    /// ending where an event could not settle (shutdown, pause, cancellation).
    ///
    /// First attempts run back to back in one isolated run (``SequentialDeliveryRunner``);
    /// an event whose first attempt fails or times out continues on its own with
    /// retries (``settle(_:firstAttempt:)``), then the run resumes after it.
    private func deliverInOrder(_ events: ArraySlice<BillingEvent>) async -> [Int64] {
        var settled: [Int64] = []
        var next = events.startIndex
        while next < events.endIndex {
            let run = events[next...]
            switch await firstAttempts(run) {
            case .completed:
                settled += run.compactMap(\.sequence)
                return settled
            case .stopped(let offset, let outcome):
                let stopped = next + offset
                settled += events[next..<stopped].compactMap(\.sequence)
                if case .cancelled = outcome { return settled }
                guard await settle(events[stopped], firstAttempt: outcome) == .settled, let sequence = events[stopped].sequence else {
                    return settled
                }
                settled.append(sequence)
                next = stopped + 1
            }
        }
        return settled
    }

    /// First attempts of consecutive events under one concurrency permit (the run
    /// delivers one event at a time).
    private func firstAttempts(_ run: ArraySlice<BillingEvent>) async -> DeliveryRunOutcome {
        await environment.permits.acquire()
        defer { environment.permits.release() }
        let events = Array(run)
        return await SequentialDeliveryRunner.run(
            count: events.count, timeout: options.deliveryTimeout, clock: environment.clock,
            shouldStart: { [self] in !mustStopClaiming }
        ) { [self] index in
            try await call(events[index], attempt: 1)
        }
    }

    /// Delivers one event with retries; dead-letters it when they run out.
    /// - Parameter firstAttempt: how the first attempt ended, when it already ran.
    private func settle(_ event: BillingEvent, firstAttempt: HandlerOutcome? = nil) async -> Settlement {
        switch await attempt(event, firstAttempt: firstAttempt) {
        case .delivered:
            return .settled
        case .interrupted:
            return .interrupted
        case .exhausted(let attempts, let lastError, let firstFailedAt, let lastFailedAt):
            while true {
                do {
                    _ = try await environment.store.addDeadLetter(
                        subscription: name, eventSequence: event.sequence ?? 0, attempts: attempts, lastError: lastError,
                        firstFailedAt: firstFailedAt, lastFailedAt: lastFailedAt
                    )
                    instruments.deadLettered.increment()
                    logger.error(
                        "Event dead-lettered after its last attempt",
                        metadata: eventMetadata(event).merging(["billing.attempts": "\(attempts)", "error": "\(lastError)"]) { $1 }
                    )
                    return .settled
                } catch {
                    // Without the dead letter on record the cursor must not pass the event.
                    logger.error("Could not record a dead letter; will retry", metadata: eventMetadata(event).merging(["error": "\(error)"]) { $1 })
                    if await backoff(environment.pollInterval) == false { return .interrupted }
                }
            }
        }
    }

    /// Redelivers the dead letters an operator asked for. Returns `true` if there were any.
    private func redeliverRequestedDeadLetters() async throws -> Bool {
        let letters = try await environment.store.deadLetters(
            subscription: name, onlyRedeliveryRequested: true, afterID: nil, limit: options.batchSize
        )
        guard !letters.isEmpty else { return false }
        for letter in letters {
            if mustStopClaiming { break }
            switch await attempt(letter.event) {
            case .delivered:
                _ = try await environment.store.removeDeadLetters(.ids([letter.id]))
                logger.info("Dead letter redelivered", metadata: eventMetadata(letter.event))
            case .exhausted(let attempts, let lastError, _, let lastFailedAt):
                try await environment.store.recordFailedRedelivery(id: letter.id, additionalAttempts: attempts, lastError: lastError, at: lastFailedAt)
                logger.error("Dead letter redelivery failed again", metadata: eventMetadata(letter.event).merging(["error": "\(lastError)"]) { $1 })
            case .interrupted:
                return true
            }
        }
        return true
    }

    // MARK: Attempts

    private func attempt(_ event: BillingEvent, firstAttempt: HandlerOutcome? = nil) async -> AttemptsResult {
        var firstAttempt = firstAttempt
        var attempt = 0
        var firstFailedAt: Date?
        while true {
            attempt += 1
            let outcome: HandlerOutcome
            if attempt == 1, let first = firstAttempt {
                firstAttempt = nil
                outcome = first
            } else {
                outcome = await runHandler(event, attempt: attempt)
            }
            let error: String
            var directive: DeliveryError.Directive?
            switch outcome {
            case .succeeded:
                return .delivered
            case .cancelled:
                return .interrupted
            case .timedOut:
                error = "the delivery timed out after \(options.deliveryTimeout)"
            case .failed(let failure):
                error = String(describing: failure)
                directive = (failure as? DeliveryError)?.directive
            }
            if case .postpone(let delay)? = directive {
                // Not the event's fault: wait without using up an attempt.
                attempt -= 1
                logger.debug("Delivery postponed", metadata: eventMetadata(event).merging(["billing.retry.delay": "\(delay)", "error": "\(error)"]) { $1 })
                guard await backoff(delay) else { return .interrupted }
                continue
            }
            instruments.failed.increment()
            let now = environment.clock.now()
            firstFailedAt = firstFailedAt ?? now
            if directive == .giveUp || attempt >= options.retry.maxAttempts {
                return .exhausted(attempts: attempt, lastError: error, firstFailedAt: firstFailedAt ?? now, lastFailedAt: now)
            }
            let delay: Duration
            if case .retry(let requested)? = directive {
                delay = requested
            } else {
                delay = options.retry.delay(afterAttempt: attempt)
            }
            instruments.retried.increment()
            logger.warning(
                "Delivery failed; will retry",
                metadata: eventMetadata(event).merging(["billing.attempt": "\(attempt)", "billing.retry.delay": "\(delay)", "error": "\(error)"]) { $1 }
            )
            guard await backoff(delay) else { return .interrupted }
        }
    }

    /// One isolated attempt: a concurrency permit and the delivery timeout around ``call(_:attempt:)``.
    private func runHandler(_ event: BillingEvent, attempt: Int) async -> HandlerOutcome {
        await environment.permits.acquire()
        defer { environment.permits.release() }
        return await IsolatedHandlerRunner.run(timeout: options.deliveryTimeout, clock: environment.clock) { [self] in
            try await call(event, attempt: attempt)
        }
    }

    /// Calls the handler inside a `billing.deliver` span linked to the publish span,
    /// recording its duration and, when it returns, the delivery.
    private func call(_ event: BillingEvent, attempt: Int) async throws {
        let started = ContinuousClock.now
        defer { instruments.duration.recordInterval(since: started) }
        let tracer = environment.tracer ?? InstrumentationSystem.tracer
        let span = tracer.startSpan("billing.deliver", context: ServiceContext.current ?? .topLevel, ofKind: .consumer)
        defer { span.end() }
        // A no-op tracer's span records nothing: skip decoding the link and formatting ids.
        if span.isRecording {
            let published = EventTraceContext.context(of: event, tracer: tracer)
            span.addLink(SpanLink(context: published, attributes: [:]))
            span.attributes[LogKeys.subscription] = name
            span.attributes[LogKeys.eventID] = event.id.description
            span.attributes[LogKeys.eventType] = event.type.rawValue
            span.attributes["billing.attempt"] = attempt
        }
        let handler = self.handler
        do {
            try await ServiceContext.withValue(span.context) {
                try await handler(event)
            }
        } catch {
            span.recordError(error)
            span.setStatus(SpanStatus(code: .error))
            throw error
        }
        instruments.delivered.increment()
    }

    /// Waits `delay` on the clock; returns `false` if stopping (or cancellation) cut it short.
    private func backoff(_ delay: Duration) async -> Bool {
        await stop.sleep(for: delay, clock: environment.clock)
    }

    private func eventMetadata(_ event: BillingEvent) -> Logger.Metadata {
        [LogKeys.eventID: "\(event.id)", LogKeys.eventType: "\(event.type)", "billing.event.sequence": "\(event.sequence ?? 0)"]
    }
}
