import BillingCore

/// Request limits in this process: requests in flight in all (``total``) and per endpoint
/// (claimed ones count, so claims stop for a busy endpoint), a requests-per-second limit,
/// and the pause after a 429 or a 502/503/504. What keeps one slow endpoint from taking
/// every slot from the others.
final class WebhookEndpointGate: Sendable {
    private struct Endpoint {
        var claimed = 0
        var slots = RequestSlots()
        /// Request starts in the last second, for the rate limit.
        var recentStarts: [Duration] = []
        var rateLimit: Int?
        var pausedUntil: Duration?
    }

    private let perEndpoint: Int
    private let totalLimit: Int
    private let stopwatch: Stopwatch
    private let state = Locked<[String: Endpoint]>([:])
    /// Requests in flight across endpoints, and the messages waiting for one.
    private let total = Locked(RequestSlots())
    private let stopped = Locked(false)

    /// Limits of `perEndpoint` requests in flight per endpoint and `total` in all. Rates and
    /// pauses are real time (the receiver's), not the engine's injected clock.
    init(perEndpoint: Int, total: Int) {
        self.perEndpoint = perEndpoint
        totalLimit = total
        stopwatch = Stopwatch(clock: ContinuousClock())
    }

    /// The endpoints that should get no new claims now: at their concurrency, over their
    /// rate this second, or paused.
    func blockedEndpoints() -> Set<String> {
        let now = stopwatch.elapsed
        return state.withLock { endpoints in
            Set(
                endpoints.compactMap { id, endpoint in
                    let paused = endpoint.pausedUntil.map { $0 > now } ?? false
                    let overRate = endpoint.rateLimit.map { limit in endpoint.recentStarts.filter { $0 > now - .seconds(1) }.count >= limit } ?? false
                    return endpoint.claimed >= perEndpoint || paused || overRate ? id : nil
                })
        }
    }

    /// Counts a claimed message of `endpointId`.
    func claimed(_ endpointId: String) {
        state.withLock { $0[endpointId, default: Endpoint()].claimed += 1 }
    }

    /// Waits for a request slot of the endpoint, then for one of the total, then for the
    /// endpoint's rate limit (last, so a start is counted when it happens).
    /// - Throws: `CancellationError` once ``stop()`` was called: a message still waiting is
    ///   left to its lapsing claim, so shutdown waits only for requests already sent.
    func beginSending(_ endpointId: String, rateLimit: Int?) async throws {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { endpoints -> Bool in
                guard !stopped.withLock({ $0 }) else { return true }
                endpoints[endpointId, default: Endpoint()].rateLimit = rateLimit
                return endpoints[endpointId, default: Endpoint()].slots.take(limit: perEndpoint, or: continuation)
            }
            if granted { continuation.resume() }
        }
        guard !stopped.withLock({ $0 }) else { throw CancellationError() }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = total.withLock { total in stopped.withLock { $0 } || total.take(limit: totalLimit, or: continuation) }
            if granted { continuation.resume() }
        }
        guard !stopped.withLock({ $0 }) else { throw CancellationError() }
        guard let rateLimit else { return }
        while true {
            let wait = state.withLock { endpoints -> Duration? in
                let now = stopwatch.elapsed
                var endpoint = endpoints[endpointId, default: Endpoint()]
                endpoint.recentStarts.removeAll { $0 <= now - .seconds(1) }
                defer { endpoints[endpointId] = endpoint }
                guard endpoint.recentStarts.count >= rateLimit, let oldest = endpoint.recentStarts.first else {
                    endpoint.recentStarts.append(now)
                    return nil
                }
                return oldest + .seconds(1) - now
            }
            guard let wait else { return }
            try await CancellableSleep.sleep(for: wait)
            guard !stopped.withLock({ $0 }) else { throw CancellationError() }
        }
    }

    /// Hands the slot of the total that ``beginSending(_:rateLimit:)`` took to a waiting
    /// message, once the response is in: settling the message needs no request slot.
    func endSending() {
        total.withLock { $0.give() }?.resume()
    }

    /// Ends the claim and the endpoint's request slot (`wasSending`), handing it to a waiting message.
    func finished(_ endpointId: String, wasSending: Bool) {
        let next = state.withLock { endpoints -> CheckedContinuation<Void, Never>? in
            guard var endpoint = endpoints[endpointId] else { return nil }
            endpoint.claimed -= 1
            let next = wasSending ? endpoint.slots.give() : nil
            let idle = endpoint.claimed == 0 && endpoint.slots.used == 0 && endpoint.pausedUntil.map { $0 <= stopwatch.elapsed } ?? true
            endpoints[endpointId] = idle && endpoint.rateLimit == nil ? nil : endpoint
            return next
        }
        next?.resume()
    }

    /// Releases every message waiting for a slot (they throw `CancellationError`), for shutdown.
    func stop() {
        stopped.withLock { $0 = true }
        let waiters = state.withLock { endpoints in endpoints.keys.flatMap { endpoints[$0]?.slots.removeWaiting() ?? [] } }
        for waiter in waiters + total.withLock({ $0.removeWaiting() }) { waiter.resume() }
    }

    /// Messages waiting for a slot of the total (for tests).
    var waitingForTotal: Int {
        total.withLock { $0.waiting.count }
    }

    /// Messages of `endpointId` waiting for one of its slots (for tests).
    func waiting(for endpointId: String) -> Int {
        state.withLock { $0[endpointId]?.slots.waiting.count ?? 0 }
    }

    /// No new requests to the endpoint for `duration`.
    func pause(_ endpointId: String, for duration: Duration) {
        let until = stopwatch.elapsed + duration
        state.withLock { endpoints in
            let current = endpoints[endpointId, default: Endpoint()].pausedUntil ?? .zero
            endpoints[endpointId, default: Endpoint()].pausedUntil = max(current, until)
        }
    }
}

/// Request slots and the line for them: a message takes a free slot or waits in line, and
/// one that ends hands its slot to the first in line.
private struct RequestSlots {
    private(set) var used = 0
    private(set) var waiting: [CheckedContinuation<Void, Never>] = []

    /// Takes a slot if fewer than `limit` are used (true); else `continuation` waits in line for one.
    mutating func take(limit: Int, or continuation: CheckedContinuation<Void, Never>) -> Bool {
        guard used < limit else {
            waiting.append(continuation)
            return false
        }
        used += 1
        return true
    }

    /// Frees a slot, or hands it to the first in line, returned to be resumed outside the lock.
    mutating func give() -> CheckedContinuation<Void, Never>? {
        guard !waiting.isEmpty else {
            used -= 1
            return nil
        }
        return waiting.removeFirst()
    }

    /// Everyone in line, taken out of it (for shutdown).
    mutating func removeWaiting() -> [CheckedContinuation<Void, Never>] {
        defer { waiting = [] }
        return waiting
    }
}
