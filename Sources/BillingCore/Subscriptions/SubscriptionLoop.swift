import CoreMetrics
import Foundation
import Logging
import Synchronization

/// Runs one durable subscription in this process: takes its lease, then reads batches
/// after the cursor and hands them to the ``DeliveryPipeline`` until it stops.
///
/// While it holds the lease (a ``DeliverySession``), three child tasks run: delivery,
/// the ``ProgressWriter`` and lease renewal. Without the lease (another process
/// delivers) it waits and tries again, so it takes over within the lease duration when
/// the owner dies. An operator's change (replay, pause, resume) raises the lease token
/// in the store; the session ends, and the next one starts from the stored state.
final class SubscriptionLoop: Sendable {
    let name: String
    let patterns: [EventPattern]
    let pipeline: DeliveryPipeline

    private let environment: DeliveryEnvironment
    private let logger: Logger
    private let progress: ProgressWriter
    private let lag: Gauge
    private let wake = WakeSignal()
    private let sessionEnded = WakeSignal()
    private let stopping = OneShot<Void>()
    private let redeliveryAsked = Atomic<Bool>(false)
    private let control = Locked(Control())

    private struct Control {
        var running = false
        var session: DeliverySession?
        /// The cursor as delivery sees it (the stored one may lag behind).
        var cursor: Int64 = 0
        /// Operator changes in progress: no new session starts meanwhile.
        var suspensions = 0
    }

    init(name: String, patterns: [EventPattern], pipeline: DeliveryPipeline, cursor: Int64, environment: DeliveryEnvironment, lag: Gauge) {
        self.name = name
        self.patterns = patterns
        self.pipeline = pipeline
        self.environment = environment
        var logger = environment.logger
        logger[metadataKey: LogKeys.subscription] = "\(name)"
        self.logger = logger
        self.progress = ProgressWriter(name: name, cursor: cursor, environment: environment)
        self.lag = lag
    }

    // MARK: Control

    /// Whether this process is delivering the subscription (it holds the lease).
    var isActive: Bool {
        control.withLock { $0.session != nil }
    }

    /// Stop claiming work; the delivery in hand finishes, the cursor is stored and the lease released.
    func beginStop() {
        stopping.fire()
        control.withLock { $0.session }?.end()
        wake.notify()
    }

    /// Before an operator's change (replay, pause, resume): ends the session here and
    /// waits until its progress is stored and its lease released, so the change is not
    /// overtaken by this process's own writes. No session starts until ``resume()``,
    /// and the next one starts from the changed state. The delivery in hand finishes
    /// first (at most its delivery timeout).
    func suspend() async {
        let session = control.withLock { control -> DeliverySession? in
            control.suspensions += 1
            return control.session
        }
        session?.end()
        wake.notify()
        while true {
            let generation = sessionEnded.generation
            if control.withLock({ $0.session == nil }) { return }
            await sessionEnded.wait(after: generation)
        }
    }

    /// Ends a ``suspend()``.
    func resume() {
        control.withLock { $0.suspensions -= 1 }
        wake.notify()
    }

    /// New events may be there.
    func notify() {
        wake.notify()
    }

    /// An operator in this process asked for a redelivery: a backlog drain stops for it
    /// after the batch in hand.
    func notifyRedelivery() {
        redeliveryAsked.store(true, ordering: .releasing)
        wake.notify()
    }

    // MARK: The loop

    func run() async {
        control.withLock { $0.running = true }
        logger.debug("Durable subscription started", metadata: ["billing.owner": "\(environment.owner)"])
        defer {
            control.withLock { $0.running = false }
            logger.debug("Durable subscription stopped")
        }
        var waitingForLease = false
        while !stopping.isResolved, !Task.isCancelled {
            let generation = wake.generation
            if control.withLock({ $0.suspensions > 0 }) {
                await wake.wait(after: generation)
                continue
            }
            do {
                let now = environment.wallClock.now()
                if let lease = try await environment.store.acquireLease(
                    subscription: name, owner: environment.owner, until: now.adding(environment.leaseDuration), now: now
                ) {
                    if waitingForLease { logger.info("Durable subscription taken over", metadata: ["billing.lease.token": "\(lease.token)"]) }
                    waitingForLease = false
                    await runSession(lease)
                    continue
                }
                if !waitingForLease {
                    logger.info("Another process delivers this subscription; waiting for its lease")
                    waitingForLease = true
                }
            } catch {
                logger.error("Durable subscription could not take its lease; will retry", error: error)
            }
            _ = await sleep(for: standbyInterval, clock: environment.clock, unless: stopping)
        }
    }

    /// How often a process without the lease tries again.
    private var standbyInterval: Duration {
        min(environment.pollInterval, environment.leaseDuration / 3)
    }

    private func runSession(_ lease: SubscriptionLease) async {
        let session = DeliverySession(lease: lease)
        control.withLock { $0.session = session }
        if stopping.isResolved { session.end() }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await self.progress.run()
                } catch {
                    session.endIfLeaseLost(error)
                }
            }
            group.addTask { await self.renew(session) }
            await deliver(session)
            group.cancelAll()
        }
        progress.abandonWaiters(BillingError(.shutDown, "The delivery session of '\(name)' ended"))
        if !session.isLost {
            // Written directly (the writer task has ended), also when cancelled: store
            // how far delivery got, then let another process take over at once.
            do {
                try await progress.writeFinal(lease: session.lease)
                try await environment.store.releaseLease(session.lease)
            } catch {
                if !session.endIfLeaseLost(error) {
                    logger.error("Durable subscription could not store its cursor when its session ended; those events will be delivered again", error: error)
                }
            }
        }
        control.withLock { $0.session = nil }
        sessionEnded.notify()
        if session.isLost {
            logger.warning("Durable subscription lost its lease; it stops delivering and takes the lease again if it is free")
        }
    }

    /// Renews the lease a third of its duration before it lapses; loses the session if
    /// another process holds it now, or if renewing fails until it lapsed.
    private func renew(_ session: DeliverySession) async {
        while !session.shouldStop {
            let slept = await sleep(for: environment.leaseDuration / 3, clock: environment.clock, unless: session.ended)
            guard slept else { return }
            do {
                let lease = session.lease
                guard let renewed = try await environment.store.renewLease(lease, until: environment.wallClock.now().adding(environment.leaseDuration)) else {
                    session.lose()
                    return
                }
                session.renewed(renewed)
            } catch {
                logger.error("Durable subscription could not renew its lease", error: error)
                if environment.wallClock.now() >= session.lease.expiresAt { session.lose() }
            }
        }
    }

    // MARK: Delivering while the lease holds

    private func deliver(_ session: DeliverySession) async {
        var prepared = false
        var paused = false
        while !session.shouldStop, !Task.isCancelled {
            let generation = wake.generation
            do {
                if !prepared {
                    guard let state = try await environment.store.subscription(named: name) else {
                        logger.error("Durable subscription no longer exists in the store; stopping")
                        session.end()
                        return
                    }
                    control.withLock { $0.cursor = state.cursor }
                    progress.start(lease: session.lease, cursor: state.cursor, run: state.inFlightRun)
                    try await pipeline.prepare(state, session: session)
                    paused = state.isPaused
                    prepared = true
                }
                if paused {
                    // Resuming raises the lease token, which ends this session.
                    await wake.wait(after: generation, timeout: environment.leaseDuration / 3, clock: environment.clock)
                    continue
                }
                if try await pipeline.redeliverRequested(session: session) {
                    continue
                }
                if try await deliverBatches(session) == false {
                    await wake.wait(after: generation, timeout: environment.pollInterval, clock: environment.clock)
                }
            } catch {
                if session.endIfLeaseLost(error) { return }
                // Storage trouble: log, wait, try again; the cursor has not moved.
                logger.error("Durable subscription could not read or store its state; will retry", error: error)
                _ = await sleep(for: environment.pollInterval, clock: environment.clock, unless: session.ended)
            }
        }
    }

    /// What the loop reads before a batch: the batch after the cursor, the store's head
    /// read just before it, and whether an operator asked for a redelivery.
    private struct Read: Sendable {
        var head: Int64
        var batch: [BillingEvent]
        var redeliveryRequested = false
    }

    /// - Parameter checkingRedelivery: also look for redelivery requests in the store
    ///   (another process's); this process's are flagged by ``notifyRedelivery()``.
    private func read(after cursor: Int64, checkingRedelivery: Bool = false) async throws -> Read {
        var requested = redeliveryAsked.exchange(false, ordering: .acquiringAndReleasing)
        if checkingRedelivery, !requested {
            requested = try await !environment.store.deadLetters(subscription: name, onlyRedeliveryRequested: true, afterID: nil, limit: 1).isEmpty
        }
        let head = try await environment.store.headSequence()
        let batch = try await environment.store.events(
            matching: EventFilters(typePatterns: patterns, afterSequence: cursor, limit: pipeline.options.batchSize)
        )
        return Read(head: head, batch: batch, redeliveryRequested: requested)
    }

    /// Reads and delivers batches while they come full (a backlog). Returns `false` when
    /// there was nothing to deliver.
    ///
    /// While a full batch is delivered, the next one is read in a child task, so reading
    /// (on the store's reader threads) and delivering overlap. The batch read ahead is
    /// used only if the whole batch before it settled, the session goes on and no
    /// redelivery waits; otherwise it is dropped and the loop reads again. Redelivery
    /// requests from other processes are looked for every ``redeliveryCheckInBatches`` batches
    /// of a backlog (and before every batch otherwise).
    private func deliverBatches(_ session: DeliverySession) async throws -> Bool {
        var start = control.withLock { $0.cursor }
        var read = try await read(after: start)
        var delivered = false
        var batches: Int64 = 0
        while true {
            batches += 1
            guard let last = read.batch.last?.sequence else {
                // Nothing matches up to the head: skip the non-matching tail so lag reads 0.
                if read.head > start, !session.shouldStop {
                    advance(to: read.head)
                }
                lag.record(0)
                return delivered
            }
            delivered = true
            let batchSize = pipeline.options.batchSize
            let full = read.batch.count == batchSize
            let checking = batches % Self.redeliveryCheckInBatches == 0
            async let ahead: Read? = full ? self.read(after: last, checkingRedelivery: checking) : nil
            // The recorded run reaches a few batches ahead (see ProgressWriter).
            let reach = last.addingReportingOverflow(Int64(batchSize) * Self.runReachInBatches).partialValue
            guard var settled = try await pipeline.deliver(read.batch, after: start, reach: reach, session: session, progress: progress) else {
                return true
            }
            // The whole batch settled and it was the last one: every event up to the head
            // that was read before it is either in it or does not match.
            if settled == last, !full {
                settled = max(settled, read.head)
            }
            let continuing = full && settled == last && !session.shouldStop
            if settled > start {
                advance(to: settled)
            }
            lag.record(Double(max(0, read.head - settled)))
            // A redelivery flagged by either read ends the drain here, so it is made next.
            guard continuing, !read.redeliveryRequested, let next = try await ahead, !next.redeliveryRequested else { return true }
            start = last
            read = next
        }
    }

    /// How many batch sizes of sequences beyond the current batch a recorded run
    /// covers: a waited write per about this many batches, and at most this many
    /// batches of suspects, delivered one at a time, if the process dies.
    static let runReachInBatches: Int64 = 3

    /// How often a backlog drain looks for other processes' redelivery requests.
    static let redeliveryCheckInBatches: Int64 = 10

    private func advance(to cursor: Int64) {
        control.withLock { $0.cursor = max($0.cursor, cursor) }
        progress.advance(cursor: cursor)
        pipeline.prune(upTo: cursor)
    }
}
