import Synchronization

/// Events as they are published, as an `AsyncSequence`.
///
/// A live stream is a tail, not a durable subscription: it sees events committed
/// after it was created, while its consumer keeps up. Its buffer is bounded; when a
/// slow consumer lets it fill, the ``OverflowPolicy`` decides which events are
/// dropped, and each drop is counted in `billing.live.dropped`. Every event carries
/// its ``BillingEvent/sequence``, so a consumer that sees a gap can read the missing
/// events from the store. For guaranteed delivery use a durable subscription.
///
/// The stream ends when the consumer stops iterating (or its task is cancelled) and
/// when the bus's `run()` returns.
public struct LiveEventStream: AsyncSequence, Sendable {
    public typealias Element = BillingEvent

    /// What a full buffer does with a new event.
    public enum OverflowPolicy: Sendable, Hashable {
        /// Drop the oldest buffered event to make room: the consumer stays close to now (the default).
        case dropOldest
        /// Drop the new event: the consumer sees an unbroken run from where it fell behind.
        case dropNewest
    }

    let stream: AsyncStream<BillingEvent>

    public func makeAsyncIterator() -> AsyncStream<BillingEvent>.Iterator {
        stream.makeAsyncIterator()
    }
}

/// The live streams of one bus.
final class LiveStreamRegistry: Sendable {
    private struct Listener {
        let patterns: [EventPattern]
        let continuation: AsyncStream<BillingEvent>.Continuation
    }

    private struct State {
        var nextID = 0
        var listeners: [Int: Listener] = [:]
        var finished = false
    }

    private let state = Locked(State())

    func makeStream(patterns: [EventPattern], bufferSize: Int, overflow: LiveEventStream.OverflowPolicy) -> LiveEventStream {
        let policy: AsyncStream<BillingEvent>.Continuation.BufferingPolicy =
            switch overflow {
            case .dropOldest: .bufferingNewest(max(1, bufferSize))
            case .dropNewest: .bufferingOldest(max(1, bufferSize))
            }
        let (stream, continuation) = AsyncStream<BillingEvent>.makeStream(bufferingPolicy: policy)
        let id = state.withLock { state -> Int? in
            guard !state.finished else { return nil }
            let id = state.nextID
            state.nextID += 1
            state.listeners[id] = Listener(patterns: patterns, continuation: continuation)
            return id
        }
        if let id {
            continuation.onTermination = { [weak self] _ in
                self?.remove(id)
            }
        } else {
            continuation.finish()
        }
        return LiveEventStream(stream: stream)
    }

    /// Yields `event` to every matching stream and returns how many events were dropped.
    func yield(_ event: BillingEvent) -> Int {
        let continuations = state.withLock { state in
            state.listeners.values
                .filter { listener in listener.patterns.contains { $0.matches(event.type) } }
                .map(\.continuation)
        }
        var dropped = 0
        for continuation in continuations {
            if case .dropped = continuation.yield(event) {
                dropped += 1
            }
        }
        return dropped
    }

    var isEmpty: Bool {
        state.withLock { $0.listeners.isEmpty }
    }

    private func remove(_ id: Int) {
        _ = state.withLock { $0.listeners.removeValue(forKey: id) }
    }

    func finishAll() {
        let continuations = state.withLock { state in
            state.finished = true
            defer { state.listeners.removeAll() }
            return state.listeners.values.map(\.continuation)
        }
        for continuation in continuations {
            continuation.finish()
        }
    }
}
