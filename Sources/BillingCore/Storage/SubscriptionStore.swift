public import Foundation

/// Durable state of subscriptions: cursors, leases, attempts and dead letters.
///
/// Implemented next to the event store by every backend, so a dead letter can
/// reference its event. `BillingStorageConformance` holds every backend to the same
/// semantics. Writes that a delivering process makes take its ``SubscriptionLease``
/// and fail with `subscription.lease_lost` when the lease's token is no longer the
/// current one (see ``SubscriptionLease``).
public protocol SubscriptionStore: Sendable {
    // MARK: Subscriptions

    /// Returns the subscription, creating it at `initialCursor` if it does not exist.
    /// An existing subscription keeps its cursor; its patterns are replaced.
    func registerSubscription(name: String, patterns: [EventPattern], initialCursor: Int64, at date: Date) async throws -> SubscriptionState

    /// The subscription named `name`, if it exists.
    func subscription(named name: String) async throws -> SubscriptionState?

    /// Every subscription, by name.
    func subscriptions() async throws -> [SubscriptionState]

    /// Sets the cursor to any position (an operator's replay), clears the in-flight run
    /// and the attempt records, and raises the lease token, so a process delivering the
    /// subscription elsewhere is fenced out and starts again from the new cursor.
    /// - Throws: `not_found` if the subscription does not exist.
    func setCursor(of name: String, to sequence: Int64, at date: Date) async throws

    /// Pauses or resumes delivery.
    /// - Throws: `not_found` if the subscription does not exist.
    func setPaused(_ paused: Bool, subscription name: String, at date: Date) async throws

    // MARK: Leases

    /// Takes the lease for `owner` until `expiresAt` if no other owner holds an
    /// unexpired one (at `now`), raising the token. Returns `nil` when another owner holds it.
    /// - Throws: `not_found` if the subscription does not exist.
    func acquireLease(subscription name: String, owner: String, until expiresAt: Date, now: Date) async throws -> SubscriptionLease?

    /// Extends a lease still held with its token; `nil` if it was lost.
    func renewLease(_ lease: SubscriptionLease, until expiresAt: Date) async throws -> SubscriptionLease?

    /// Gives a lease up, so another process may take over at once. Does nothing if it was lost.
    func releaseLease(_ lease: SubscriptionLease) async throws

    // MARK: Progress and attempts (fenced)

    /// Moves the cursor forward to `cursor` (never back) and records the run of first
    /// attempts about to start (`nil`: none in flight).
    func saveProgress(cursor: Int64, inFlightRun: ClosedRange<Int64>?, lease: SubscriptionLease, at date: Date) async throws

    /// The attempt records of events after the cursor (older ones are pruned).
    func deliveryAttempts(subscription name: String) async throws -> [DeliveryAttempt]

    /// Inserts or replaces the attempt record of one event.
    func saveAttempt(_ attempt: DeliveryAttempt, lease: SubscriptionLease) async throws

    /// Deletes the attempt record of an event that was delivered.
    func removeAttempt(subscription name: String, sequence: Int64, lease: SubscriptionLease) async throws

    /// Records a dead letter for the event of `attempt` and marks the attempt record
    /// dead-lettered, in one transaction. A second call for the same event returns the
    /// dead letter recorded first, unchanged: a dead letter is never recorded twice.
    func addDeadLetter(
        _ attempt: DeliveryAttempt, lastError: String, firstFailedAt: Date, lastFailedAt: Date, lease: SubscriptionLease
    ) async throws -> DeadLetter

    // MARK: Dead letters

    /// Dead letters in id order, optionally of one subscription, only those waiting
    /// for redelivery, after an id (for paging).
    func deadLetters(subscription: String?, onlyRedeliveryRequested: Bool, afterID: Int64?, limit: Int) async throws -> [DeadLetter]

    /// One dead letter.
    func deadLetter(id: Int64) async throws -> DeadLetter?

    /// Asks for the selected dead letters to be delivered again; returns how many were marked.
    func requestRedelivery(_ selection: DeadLetterSelection) async throws -> Int

    /// Starts the requested redelivery of a dead letter: clears the request and counts
    /// the attempt before it runs, so a redelivery that takes the process down is not
    /// repeated forever. Returns `nil` if the dead letter is gone or no redelivery is requested.
    func beginRedelivery(id: Int64, at date: Date) async throws -> DeadLetter?

    /// Records a failed redelivery: the error and time updated.
    func recordFailedRedelivery(id: Int64, lastError: String, at date: Date) async throws

    /// Deletes the selected dead letters (discarded, or redelivered successfully); returns how many.
    func removeDeadLetters(_ selection: DeadLetterSelection) async throws -> Int

    /// How many dead letters a subscription has.
    func deadLetterCount(subscription: String) async throws -> Int
}

/// What the delivery engine needs from storage: events and subscription state in one place.
public typealias DurableStore = EventStore & SubscriptionStore
