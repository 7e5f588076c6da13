import Logging
import Synchronization

/// What every subscription loop of one dispatcher shares.
struct DeliveryEnvironment: Sendable {
    let store: any DurableStore
    let clock: any Clock<Duration>
    let wallClock: WallClock
    let logger: Logger
    let pollInterval: Duration
    let leaseDuration: Duration
    let cursorWriteInterval: Duration
    /// Bounds concurrent deliveries across all subscriptions.
    let permits: AsyncSemaphore
    /// This process's lease owner id.
    let owner: String
}

/// One tenure of a subscription's lease: delivery goes on while it holds.
///
/// It ends when the loop stops, when an operator changes the subscription (its
/// cursor or pause flag; the store then raises the lease token), or when the lease is
/// lost. Ending only stops new work from being claimed; what runs finishes.
final class DeliverySession: Sendable {
    private struct State {
        var lease: SubscriptionLease
        var lost = false
    }

    private let state: Locked<State>
    /// Fired when the session ends; cuts waits (backoff, idle) short.
    let ended = OneShot<Void>()

    init(lease: SubscriptionLease) {
        state = Locked(State(lease: lease))
    }

    /// The lease, as last renewed; its token fences every write.
    var lease: SubscriptionLease {
        state.withLock { $0.lease }
    }

    var shouldStop: Bool { ended.isResolved }

    /// Whether the lease was lost (its writes are refused; nothing is flushed or released).
    var isLost: Bool {
        state.withLock { $0.lost }
    }

    func renewed(_ lease: SubscriptionLease) {
        state.withLock { $0.lease = lease }
    }

    func end() {
        ended.fire()
    }

    func lose() {
        state.withLock { $0.lost = true }
        ended.fire()
    }

    /// Ends the session as lost if `error` says the lease is gone; returns whether it did.
    @discardableResult
    func endIfLeaseLost(_ error: any Error) -> Bool {
        guard (error as? BillingError)?.code == .leaseLost else { return false }
        lose()
        return true
    }
}
