import Foundation
import Logging

/// The pipeline's writes: attempt records, and dead letters (one at a time, or a
/// batch's together).
extension DeliveryPipeline {
        /// Stores a record (retrying storage errors unless the session ends); `false` if it could not.
    func save(_ record: DeliveryAttempt, session: DeliverySession, retrying: Bool = true) async -> Bool {
        while true {
            do {
                try await environment.store.saveAttempt(record, lease: session.lease)
                ledger.withLock { $0.records[record.sequence] = record }
                return true
            } catch {
                if session.endIfLeaseLost(error) || !retrying { return false }
                logger.error("Could not record a delivery attempt; will retry", error: error, metadata: metadata(record))
                if await sleep(for: environment.pollInterval, clock: environment.clock, unless: session.ended) == false { return false }
            }
        }
    }

    func remove(_ record: DeliveryAttempt, session: DeliverySession) async {
        ledger.withLock { _ = $0.records.removeValue(forKey: record.sequence) }
        do {
            try await environment.store.removeAttempt(subscription: name, sequence: record.sequence, lease: session.lease)
        } catch {
            // The event was delivered; a stale record is given back by the next owner.
            session.endIfLeaseLost(error)
            logger.warning("Could not clear a delivery attempt record", error: error, metadata: metadata(record))
        }
    }

    /// Writes the dead letters a batch decided, concurrently so they join one group
    /// commit, and returns the part of `settled` below the first one that could not be
    /// written (the session ended first).
    func write(_ deadLetters: [PendingDeadLetter], settled: [Int64], session: DeliverySession) async -> [Int64] {
        guard !deadLetters.isEmpty else { return settled }
        let unwritten = await withTaskGroup(of: Int64?.self) { group -> Int64? in
            for letter in deadLetters {
                group.addTask {
                    await self.deadLetter(letter.record, at: letter.at, session: session) ? nil : letter.record.sequence
                }
            }
            var lowest: Int64?
            for await sequence in group {
                if let sequence { lowest = min(lowest ?? sequence, sequence) }
            }
            return lowest
        }
        guard let unwritten else { return settled }
        return Array(settled.prefix { $0 < unwritten })
    }

    /// Records the dead letter; until it is on record the cursor must not pass the event.
    func deadLetter(_ record: DeliveryAttempt, at date: Date, session: DeliverySession) async -> Bool {
        var record = record
        record.isDeadLettered = true
        while true {
            do {
                _ = try await environment.store.addDeadLetter(
                    record, lastError: record.lastError ?? "", firstFailedAt: record.firstFailedAt ?? date, lastFailedAt: date,
                    lease: session.lease
                )
                ledger.withLock { $0.records[record.sequence] = record }
                return true
            } catch {
                if session.endIfLeaseLost(error) { return false }
                logger.error("Could not record a dead letter; will retry", error: error, metadata: metadata(record))
                if await sleep(for: environment.pollInterval, clock: environment.clock, unless: session.ended) == false { return false }
            }
        }
    }
}
