import Synchronization

/// The bounded hand-off between publishers and the bus's background workers.
///
/// It holds at most `capacity` events. A publisher that finds it full waits for room
/// (backpressure) instead of growing memory or spawning tasks. After ``finish()``
/// no batch is accepted; workers drain what is queued and then stop.
final class BackgroundDispatchQueue: Sendable {
    private struct State {
        var batches: [[BillingEvent]] = []
        var head = 0
        var queuedEvents = 0
        var finished = false
        var waitingProducers: [(batch: [BillingEvent], continuation: CheckedContinuation<Bool, Never>)] = []
        var waitingConsumers: [CheckedContinuation<[BillingEvent]?, Never>] = []

        var isEmpty: Bool { head == batches.count }

        mutating func push(_ batch: [BillingEvent]) {
            batches.append(batch)
            queuedEvents += batch.count
        }

        mutating func pop() -> [BillingEvent] {
            let batch = batches[head]
            head += 1
            queuedEvents -= batch.count
            if head > 64, head * 2 > batches.count {
                batches.removeFirst(head)
                head = 0
            }
            return batch
        }

        /// A batch fits if there is room, or if the queue is empty (so an oversized batch cannot wait forever).
        func fits(_ count: Int, capacity: Int) -> Bool {
            queuedEvents == 0 || queuedEvents + count <= capacity
        }
    }

    let capacity: Int
    private let state = Locked(State())

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// The number of events waiting for a worker.
    var depth: Int {
        state.withLock { $0.queuedEvents }
    }

    /// Queues a batch, waiting while the queue is full.
    /// - Returns: `false` if the queue was finished; the caller must dispatch the batch itself.
    func enqueue(_ batch: [BillingEvent]) async -> Bool {
        enum Action {
            case handedToConsumer(CheckedContinuation<[BillingEvent]?, Never>)
            case queued
            case rejected
            case mustWait
        }
        let action = state.withLock { state -> Action in
            if state.finished { return .rejected }
            if !state.waitingConsumers.isEmpty {
                return .handedToConsumer(state.waitingConsumers.removeFirst())
            }
            if state.waitingProducers.isEmpty, state.fits(batch.count, capacity: capacity) {
                state.push(batch)
                return .queued
            }
            return .mustWait
        }
        switch action {
        case .handedToConsumer(let consumer):
            consumer.resume(returning: batch)
            return true
        case .queued:
            return true
        case .rejected:
            return false
        case .mustWait:
            return await withCheckedContinuation { continuation in
                let immediate = state.withLock { state -> Bool? in
                    if state.finished { return false }
                    if state.waitingProducers.isEmpty, state.fits(batch.count, capacity: capacity) {
                        state.push(batch)
                        return true
                    }
                    state.waitingProducers.append((batch, continuation))
                    return nil
                }
                if let immediate {
                    continuation.resume(returning: immediate)
                }
            }
        }
    }

    /// The next batch, waiting while the queue is empty; `nil` once finished and drained.
    func next() async -> [BillingEvent]? {
        await withCheckedContinuation { continuation in
            var admitted: [CheckedContinuation<Bool, Never>] = []
            let batch = state.withLock { state -> [BillingEvent]?? in
                guard !state.isEmpty else {
                    if state.finished { return .some(nil) }
                    state.waitingConsumers.append(continuation)
                    return nil
                }
                let batch = state.pop()
                // Room was made: admit waiting producers in arrival order.
                while let first = state.waitingProducers.first, state.fits(first.batch.count, capacity: capacity) {
                    state.waitingProducers.removeFirst()
                    state.push(first.batch)
                    admitted.append(first.continuation)
                }
                return .some(batch)
            }
            for producer in admitted {
                producer.resume(returning: true)
            }
            if let batch {
                continuation.resume(returning: batch)
            }
        }
    }

    /// Stops accepting batches. Queued batches are still handed out; producers still
    /// waiting get `false` and dispatch themselves; idle workers get `nil`.
    func finish() {
        let (producers, consumers) = state.withLock { state in
            state.finished = true
            let producers = state.waitingProducers.map(\.continuation)
            state.waitingProducers.removeAll()
            // Consumers wait only when the queue is empty, so all of them can stop.
            let consumers = state.waitingConsumers
            state.waitingConsumers.removeAll()
            return (producers, consumers)
        }
        for producer in producers {
            producer.resume(returning: false)
        }
        for consumer in consumers {
            consumer.resume(returning: nil)
        }
    }
}
