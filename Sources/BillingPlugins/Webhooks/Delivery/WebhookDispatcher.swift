import BillingCore
import Foundation
import Logging
import ServiceLifecycle

/// Delivers webhook messages: claims due ones in small batches while request slots are
/// free, plus one batch ahead (leaving out endpoints that are busy, over their rate or
/// paused), attempts each in its own task, and settles it. The store holds every message, so a crash loses none: a
/// claim the dead process held lapses, and the message is due again.
///
/// Its tasks are its own, apart from the durable subscriptions' delivery slots, so slow
/// receivers never starve the other subscriptions.
final class WebhookDispatcher: Sendable {
    /// Most messages claimed in one go, so one endpoint cannot take many slots before it counts as busy.
    static let claimBatch = 16

    let wake = WakeSignal()
    private let attempt: WebhookAttempt
    private let configuration: WebhookConfiguration
    private let storage: any BillingStorage
    private let gate: WebhookEndpointGate
    private let sender: WebhookSender
    private let logger: Logger
    private let clock: any Clock<Duration>
    private let wallClock: WallClock
    private let state = Locked(State())

    private struct State {
        var inFlight = 0
        var stopping = false
        var lastPrune: Date?
    }

    init(
        configuration: WebhookConfiguration, storage: any BillingStorage, publisher: any EventPublisher, secrets: WebhookEndpointSecrets,
        urlGuard: WebhookURLGuard, sender: WebhookSender, logger: Logger, metrics: WebhookMetrics, clock: any Clock<Duration>, wallClock: WallClock
    ) {
        self.configuration = configuration
        self.storage = storage
        gate = WebhookEndpointGate(perEndpoint: configuration.maxConcurrentRequestsPerEndpoint, total: configuration.maxConcurrentRequests)
        self.sender = sender
        self.logger = logger
        self.clock = clock
        self.wallClock = wallClock
        let health = WebhookEndpointHealth(
            configuration: configuration, storage: storage, publisher: publisher, logger: logger, metrics: metrics, wallClock: wallClock)
        attempt = WebhookAttempt(health: health, secrets: secrets, urlGuard: urlGuard, sender: sender, gate: gate)
    }

    /// Runs until graceful shutdown or cancellation; requests in flight then finish, and
    /// messages still waiting for their endpoint's turn are left to their lapsing claims.
    func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                while !state.withLock({ $0.stopping }) && !Task.isCancelled {
                    let generation = wake.generation
                    var moreMayBeDue = false
                    do {
                        moreMayBeDue = try await claimAndStart(in: &group)
                        try await pruneIfDue()
                    } catch {
                        logger.error("Claiming webhook messages failed; trying again at the next poll", error: error)
                    }
                    if moreMayBeDue { continue }
                    await waitForWake(after: generation)
                }
            }
        } onGracefulShutdown: {
            self.state.withLock { $0.stopping = true }
            self.gate.stop()
            self.wake.notify()
        }
        await sender.shutdown()
    }

    /// Claims what free slots allow and starts the attempts; `true` when the claim was full,
    /// so more may be due at once.
    private func claimAndStart(in group: inout DiscardingTaskGroup) async throws -> Bool {
        // Up to a batch more than the requests allowed: those wait, ready, for a request slot,
        // so a finished request's slot never waits for a claim and its reads.
        let free = state.withLock { configuration.maxConcurrentRequests + Self.claimBatch - $0.inFlight }
        guard free > 0 else { return false }
        let now = wallClock.now()
        let limit = min(free, Self.claimBatch)
        let messages = try await storage.claimWebhookMessages(
            now: now, claimUntil: now.adding(configuration.claimDuration), limit: limit, excluding: gate.blockedEndpoints()
        )
        for message in messages {
            state.withLock { $0.inFlight += 1 }
            gate.claimed(message.endpointId)
            group.addTask {
                await self.attempt.run(message)
                self.state.withLock { $0.inFlight -= 1 }
                self.wake.notify()
            }
        }
        return messages.count == limit
    }

    /// Waits for a wake-up (a new message, a freed slot, a changed endpoint) or the poll interval.
    private func waitForWake(after generation: UInt64) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.wake.wait(after: generation) }
            group.addTask { try? await self.clock.sleep(for: self.configuration.pollInterval) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Deletes log entries past the retention, at most once an hour.
    private func pruneIfDue() async throws {
        guard let retention = configuration.attemptRetention else { return }
        let now = wallClock.now()
        let due = state.withLock { state -> Bool in
            guard state.lastPrune.map({ now.timeIntervalSince($0) >= 3600 }) ?? true else { return false }
            state.lastPrune = now
            return true
        }
        guard due else { return }
        let pruned = try await storage.pruneWebhookAttempts(before: now.adding(.zero - retention))
        if pruned > 0 { logger.info("Pruned old webhook delivery attempts", metadata: ["billing.webhook.attempts.pruned": "\(pruned)"]) }
    }
}
