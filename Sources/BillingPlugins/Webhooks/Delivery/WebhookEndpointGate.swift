import BillingCore

/// Request limits in this process: requests in flight in all (``total``) and per endpoint
/// (claimed ones count, so claims stop for a busy endpoint), a requests-per-second limit,
/// and the pause after a 429 or a 502/503/504. What keeps one slow endpoint from taking
/// every slot from the others.
final class WebhookEndpointGate: Sendable {
    private struct Endpoint {
        var claimed = 0
        var sending = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
        /// Request starts in the last second, for the rate limit.
        var recentStarts: [Duration] = []
        var rateLimit: Int?
        var pausedUntil: Duration?
    }

    /// Requests in flight across endpoints, and the messages waiting for one.
    private struct Total {
        var sending = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let perEndpoint: Int
    private let totalLimit: Int
    private let stopwatch: Stopwatch
    private let state = Locked<[String: Endpoint]>([:])
    private let total = Locked(Total())
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
                guard endpoints[endpointId, default: Endpoint()].sending < perEndpoint else {
                    endpoints[endpointId, default: Endpoint()].waiters.append(continuation)
                    return false
                }
                endpoints[endpointId, default: Endpoint()].sending += 1
                return true
            }
            if granted { continuation.resume() }
        }
        guard !stopped.withLock({ $0 }) else { throw CancellationError() }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = total.withLock { total -> Bool in
                guard !stopped.withLock({ $0 }) else { return true }
                guard total.sending < totalLimit else {
                    total.waiters.append(continuation)
                    return false
                }
                total.sending += 1
                return true
            }
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
        let next = total.withLock { total -> CheckedContinuation<Void, Never>? in
            if total.waiters.isEmpty {
                total.sending -= 1
                return nil
            }
            return total.waiters.removeFirst()
        }
        next?.resume()
    }

    /// Ends the claim and the endpoint's request slot (`wasSending`), handing it to a waiting message.
    func finished(_ endpointId: String, wasSending: Bool) {
        let next = state.withLock { endpoints -> CheckedContinuation<Void, Never>? in
            guard var endpoint = endpoints[endpointId] else { return nil }
            endpoint.claimed -= 1
            var next: CheckedContinuation<Void, Never>?
            if wasSending {
                if endpoint.waiters.isEmpty { endpoint.sending -= 1 } else { next = endpoint.waiters.removeFirst() }
            }
            let idle = endpoint.claimed == 0 && endpoint.sending == 0 && endpoint.pausedUntil.map { $0 <= stopwatch.elapsed } ?? true
            endpoints[endpointId] = idle && endpoint.rateLimit == nil ? nil : endpoint
            return next
        }
        next?.resume()
    }

    /// Releases every message waiting for a slot (they throw `CancellationError`), for shutdown.
    func stop() {
        stopped.withLock { $0 = true }
        let waiters = state.withLock { endpoints -> [CheckedContinuation<Void, Never>] in
            var all: [CheckedContinuation<Void, Never>] = []
            for id in endpoints.keys {
                all += endpoints[id]?.waiters ?? []
                endpoints[id]?.waiters = []
            }
            return all
        }
        let totalWaiters = total.withLock { total in
            defer { total.waiters = [] }
            return total.waiters
        }
        for waiter in waiters + totalWaiters { waiter.resume() }
    }

    /// Messages waiting for a slot of the total (for tests).
    var waitingForTotal: Int {
        total.withLock { $0.waiters.count }
    }

    /// Messages of `endpointId` waiting for one of its slots (for tests).
    func waiting(for endpointId: String) -> Int {
        state.withLock { $0[endpointId]?.waiters.count ?? 0 }
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
