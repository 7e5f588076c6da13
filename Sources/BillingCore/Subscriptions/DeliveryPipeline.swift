import Foundation
import Logging
import Synchronization

/// How one subscription's events are attempted: runs of first attempts, then each
/// failed event on its own, with its attempts recorded before each one starts, until it
/// is delivered or dead-lettered.
///
/// - **Runs.** Consecutive events without a record go through ``DeliveryRunner`` back
///   to back under one watchdog, each with the full delivery timeout.
/// - **On their own.** An event whose first attempt failed, an event with a record
///   from an earlier process, and a suspect (see ``AttemptRecovery``): its record is
///   written before each attempt, so a crash counts, and the retry strategy decides
///   what follows a failure. `postpone` waits without using an attempt.
/// - **Dead letters.** Recorded with the attempt record in one transaction, once.
final class DeliveryPipeline: Sendable {
    let name: String
    let options: DurableSubscriptionOptions

    let chain: MiddlewareChain
    let environment: DeliveryEnvironment
    let logger: Logger
    let ledger = Locked(Ledger())

    /// A dead letter decided and not yet written; see ``write(_:settled:session:)``.
    struct PendingDeadLetter {
        let record: DeliveryAttempt
        let at: Date
    }

    struct Ledger {
        var records: [Int64: DeliveryAttempt] = [:]
        var suspectUntil: Int64 = 0
    }

    init(name: String, options: DurableSubscriptionOptions, chain: MiddlewareChain, environment: DeliveryEnvironment, logger: Logger) {
        self.name = name
        self.options = options
        self.chain = chain
        self.environment = environment
        self.logger = logger
    }

    /// Events with failed attempts waiting for the next one (for status).
    var retryingCount: Int {
        ledger.withLock { $0.records.values.count { !$0.isDeadLettered } }
    }

    // MARK: Starting a session

    /// Reads the attempt records a session starts from and settles what an earlier
    /// owner's death left (see ``AttemptRecovery``).
    func prepare(_ state: SubscriptionState, session: DeliverySession) async throws {
        let loaded = try await environment.store.deliveryAttempts(subscription: name)
        let recovery = AttemptRecovery(state: state, records: loaded, strategy: options.retry, now: environment.wallClock.now())
        for action in recovery.actions {
            switch action {
            case .save(let record):
                try await environment.store.saveAttempt(record, lease: session.lease)
            case .deadLetter(let record, let lastError, let firstFailedAt):
                _ = try await environment.store.addDeadLetter(
                    record, lastError: lastError, firstFailedAt: firstFailedAt, lastFailedAt: environment.wallClock.now(), lease: session.lease
                )
                logger.error(
                    "Event dead-lettered: its process ended during its last attempt",
                    metadata: [LogKeys.eventSequence: "\(record.sequence)", LogKeys.attempt: "\(record.attempts)"]
                )
            }
        }
        if recovery.suspectUntil > state.cursor || !recovery.actions.isEmpty {
            logger.warning(
                "Durable subscription resumes after its previous owner ended mid-delivery; suspect events are delivered one at a time",
                metadata: ["billing.suspect.until": "\(recovery.suspectUntil)", "billing.cursor": "\(state.cursor)"]
            )
        }
        ledger.withLock { $0 = Ledger(records: recovery.records, suspectUntil: recovery.suspectUntil) }
    }

    private static func isIndividual(_ event: BillingEvent, _ ledger: Ledger) -> Bool {
        let sequence = event.sequence ?? 0
        return sequence <= ledger.suspectUntil || ledger.records[sequence] != nil
    }

    // MARK: Delivering a batch

    /// Delivers a batch read after `cursor` and returns the highest sequence up to which
    /// every event settled (was delivered or dead-lettered), or `nil` if none did.
    ///
    /// Before each run of first attempts the run is recorded with `progress` (and
    /// waited for), reaching up to `reach` for the events expected next; when a run
    /// stops at a failed event, the cursor before it is asked for at once, so a long
    /// retry does not hold back the events already delivered.
    func deliver(
        _ batch: [BillingEvent], after cursor: Int64, reach: Int64? = nil, session: DeliverySession, progress: ProgressWriter
    ) async throws -> Int64? {
        guard let first = batch.first?.sequence, let last = batch.last?.sequence else { return nil }
        let cautious = ledger.withLock { !$0.records.isEmpty || $0.suspectUntil >= first }
        if options.entityConcurrency == 1 || cautious {
            // Suspects are tried one at a time, so lanes wait until they are cleared.
            let order = InOrder(cursor: cursor, reach: reach, progress: progress)
            return try await deliverInOrder(batch[...], session: session, order: order).last
        }
        try await progress.beginRun(cursor: cursor, run: first...last, reach: reach)
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
                group.addTask { (try? await self.deliverInOrder(lane[...], session: session, order: nil)) ?? [] }
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

    /// A whole batch in order (not a lane): it records its own runs.
    private struct InOrder {
        let cursor: Int64
        let reach: Int64?
        let progress: ProgressWriter
    }

    /// Delivers `events` in order and returns the sequences that settled: a prefix,
    /// ending where an event could not settle (the session ended).
    ///
    /// Dead letters decided on the way are written together before it returns, so they
    /// share a group commit instead of each waiting for one; until then the cursor it
    /// asks for stays below the first of them.
    private func deliverInOrder(_ events: ArraySlice<BillingEvent>, session: DeliverySession, order: InOrder?) async throws -> [Int64] {
        var settled: [Int64] = []
        var deadLetters: [PendingDeadLetter] = []
        func cursor(_ fallback: Int64) -> Int64 {
            guard let first = deadLetters.first?.record.sequence else { return settled.last ?? fallback }
            return settled.last(where: { $0 < first }) ?? fallback
        }
        var next = events.startIndex
        while next < events.endIndex, !session.shouldStop {
            let event = events[next]
            if ledger.withLock({ Self.isIndividual(event, $0) }) {
                guard await settleAlone(event, session: session, deadLetters: &deadLetters) else { break }
                settled.append(event.sequence ?? 0)
                next += 1
                continue
            }
            let end = ledger.withLock { ledger in
                // Usually nothing has a record: the rest of the batch is one run.
                guard !ledger.records.isEmpty || ledger.suspectUntil >= (events[next].sequence ?? 0) else { return events.endIndex }
                var end = next + 1
                while end < events.endIndex, !Self.isIndividual(events[end], ledger) { end += 1 }
                return end
            }
            let run = Array(events[next..<end])
            if let order {
                // If the process dies during the run, the next owner knows which events may have done it.
                do {
                    try await order.progress.beginRun(
                        cursor: cursor(order.cursor), run: (run.first?.sequence ?? 0)...(run.last?.sequence ?? 0), reach: order.reach
                    )
                } catch {
                    _ = await write(deadLetters, settled: settled, session: session)
                    throw error
                }
            }
            let result = await firstAttempts(run, session: session)
            settled += run.prefix(result.completed).map { $0.sequence ?? 0 }
            let failed = next + result.completed
            switch result.end {
            case .returned:
                next = end
                continue
            case .cancelled:
                chainReportInterrupted(run, at: result.completed)
                return await write(deadLetters, settled: settled, session: session)
            case .threw, .timedOut:
                // What settled before the failure may be stored now. The recorded run
                // stays while it reaches ahead: the next run needs no write of its own.
                order?.progress.advance(cursor: cursor(order?.cursor ?? 0))
                let record = DeliveryAttempt(subscription: name, sequence: events[failed].sequence ?? 0, attempts: 0)
                guard await attempts(events[failed], record: record, first: result.end, session: session, deadLetters: &deadLetters) else { break }
                settled.append(events[failed].sequence ?? 0)
                next = failed + 1
            }
        }
        return await write(deadLetters, settled: settled, session: session)
    }

    private func chainReportInterrupted(_ run: [BillingEvent], at index: Int) {
        guard index < run.count else { return }
        chain.report(Delivery(event: run[index], subscription: name, attempt: 1), .interrupted)
    }

    /// First attempts of consecutive events under one concurrency permit.
    private func firstAttempts(_ run: [BillingEvent], session: DeliverySession) async -> RunResult {
        await environment.permits.acquire()
        defer { environment.permits.release() }
        let (chain, name) = (self.chain, self.name)
        return await DeliveryRunner.run(
            count: run.count, timeout: options.deliveryTimeout, clock: environment.clock, shouldStart: { !session.shouldStop }
        ) { index in
            let delivery = Delivery(event: run[index], subscription: name, attempt: 1)
            try await chain.run(delivery)
            chain.report(delivery, .delivered)
        }
    }

    /// An event delivered on its own: a suspect, or one with a record.
    private func settleAlone(_ event: BillingEvent, session: DeliverySession, deadLetters: inout [PendingDeadLetter]) async -> Bool {
        let sequence = event.sequence ?? 0
        let record = ledger.withLock { ledger in
            ledger.records[sequence] ?? DeliveryAttempt(subscription: name, sequence: sequence, attempts: 0, isSuspect: true)
        }
        if record.isDeadLettered { return true }
        return await attempts(event, record: record, session: session, deadLetters: &deadLetters)
    }

    // MARK: One event, attempt after attempt

    /// Attempts one event until it settles; returns `false` if the session ended first.
    /// - Parameters:
    ///   - first: how its first attempt ended, when it ran in a run.
    ///   - deadLetters: where a dead letter it ends in is added, to be written with the batch's others.
    private func attempts(
        _ event: BillingEvent, record: DeliveryAttempt, first: IsolatedResult<Void>? = nil, session: DeliverySession,
        deadLetters: inout [PendingDeadLetter]
    ) async -> Bool {
        var record = record
        var pending = first.map { (attempt: 1, result: $0) }
        var persisted = first == nil && record.attempts > 0 || record.nextAttemptAt != nil
        while true {
            let attempt: Int
            let result: IsolatedResult<Void>
            if let ran = pending {
                pending = nil
                (attempt, result) = ran
            } else {
                if let next = record.nextAttemptAt {
                    let wait = Duration.between(environment.wallClock.now(), next)
                    if wait > .zero, await sleep(for: wait, clock: environment.clock, unless: session.ended) == false { return false }
                }
                if session.shouldStop { return false }
                record.attempts += 1
                record.nextAttemptAt = nil
                // Recorded before it starts: if the process dies during it, it counts.
                guard await save(record, session: session) else { return false }
                persisted = true
                attempt = record.attempts
                result = await single(event, attempt: attempt)
            }
            let delivery = Delivery(event: event, subscription: name, attempt: attempt)
            let failure: any Error
            switch result {
            case .returned:
                chain.report(delivery, .delivered)
                if persisted { await remove(record, session: session) }
                return true
            case .cancelled:
                chain.report(delivery, .interrupted)
                if persisted {
                    // Cut off by a shutdown, not by a crash: give the attempt back.
                    record.attempts = max(0, attempt - 1)
                    record.nextAttemptAt = environment.wallClock.now()
                    _ = await save(record, session: session, retrying: false)
                }
                return false
            case .threw(let error):
                failure = error
            case .timedOut:
                failure = BillingError(.timeout, "The delivery did not finish within \(options.deliveryTimeout) and was abandoned")
            }
            let now = environment.wallClock.now()
            record.isSuspect = false
            if case .postpone(let delay)? = (failure as? DeliveryError)?.directive {
                chain.report(delivery, .postponed(after: delay, reason: (failure as? DeliveryError)?.reason ?? ""))
                record.attempts = attempt - 1
                record.nextAttemptAt = now.adding(delay)
                guard await save(record, session: session) else { return false }
                persisted = true
                continue
            }
            record.attempts = attempt
            record.firstFailedAt = record.firstFailedAt ?? now
            record.lastError = String(describing: failure)
            let decision = options.retry.decision(afterAttempt: attempt, failure: failure)
            chain.report(delivery, .failed(failure, then: decision))
            switch decision {
            case .deadLetter:
                deadLetters.append(PendingDeadLetter(record: record, at: now))
                return true
            case .retry(let delay):
                record.nextAttemptAt = now.adding(delay)
                guard await save(record, session: session) else { return false }
                persisted = true
            }
        }
    }

    /// One attempt alone: a permit and the delivery timeout around the middleware chain.
    func single(_ event: BillingEvent, attempt: Int, isRedelivery: Bool = false) async -> IsolatedResult<Void> {
        await environment.permits.acquire()
        defer { environment.permits.release() }
        let delivery = Delivery(event: event, subscription: name, attempt: attempt, isRedelivery: isRedelivery)
        let chain = self.chain
        return await DeliveryRunner.call(timeout: options.deliveryTimeout, clock: environment.clock) {
            try await chain.run(delivery)
        }
    }

    /// Forgets records the cursor has passed.
    func prune(upTo cursor: Int64) {
        ledger.withLock { ledger in
            ledger.records = ledger.records.filter { $0.key > cursor }
        }
    }

    func metadata(_ record: DeliveryAttempt) -> Logger.Metadata {
        [LogKeys.subscription: "\(name)", LogKeys.eventSequence: "\(record.sequence)", LogKeys.attempt: "\(record.attempts)"]
    }
}
