public import Foundation

/// The persisted state of one durable subscription.
public struct SubscriptionState: Sendable, Hashable {
    /// The subscription's unique name, such as `invoice-mailer`.
    public let name: String
    /// The event types it receives.
    public let patterns: [EventPattern]
    /// Every matching event with a sequence at or below the cursor has been handled
    /// (or dead-lettered). Delivery resumes after it.
    public let cursor: Int64
    /// Whether delivery is paused.
    public let isPaused: Bool
    /// When the subscription was first created.
    public let createdAt: Date
    /// When its state last changed.
    public let updatedAt: Date

    /// Creates a state value (storage backends build these).
    public init(name: String, patterns: [EventPattern], cursor: Int64, isPaused: Bool, createdAt: Date, updatedAt: Date) {
        self.name = name
        self.patterns = patterns
        self.cursor = cursor
        self.isPaused = isPaused
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// An event a subscription gave up on after its last attempt.
public struct DeadLetter: Sendable, Hashable, Identifiable {
    /// The dead letter's id, assigned by the store.
    public let id: Int64
    /// The subscription that failed to handle the event.
    public let subscription: String
    /// The event, as stored.
    public let event: BillingEvent
    /// How many delivery attempts failed, redeliveries included.
    public let attempts: Int
    /// The last failure, as text (the handler's error description; it should hold no secrets).
    public let lastError: String
    /// When the first attempt failed.
    public let firstFailedAt: Date
    /// When the last attempt failed.
    public let lastFailedAt: Date
    /// Whether an operator asked for it to be delivered again.
    public let isRedeliveryRequested: Bool

    /// Creates a dead letter value (storage backends build these).
    public init(
        id: Int64, subscription: String, event: BillingEvent, attempts: Int, lastError: String,
        firstFailedAt: Date, lastFailedAt: Date, isRedeliveryRequested: Bool
    ) {
        self.id = id
        self.subscription = subscription
        self.event = event
        self.attempts = attempts
        self.lastError = lastError
        self.firstFailedAt = firstFailedAt
        self.lastFailedAt = lastFailedAt
        self.isRedeliveryRequested = isRedeliveryRequested
    }
}

/// Which dead letters an operation applies to.
public enum DeadLetterSelection: Sendable, Hashable {
    /// These dead letters.
    case ids([Int64])
    /// Every dead letter of one subscription.
    case subscription(String)
}

/// Durable state of subscriptions: cursors, pause flags and dead letters.
///
/// Implemented next to the event store by every backend (in-memory, SQLite), so a
/// dead letter can reference its event and the conformance suite covers both.
public protocol SubscriptionStore: Sendable {
    /// Returns the subscription, creating it at `initialCursor` if it does not
    /// exist. An existing subscription keeps its cursor; its patterns are updated.
    func registerSubscription(name: String, patterns: [EventPattern], initialCursor: Int64, at date: Date) async throws -> SubscriptionState

    /// The subscription named `name`, if it exists.
    func subscription(named name: String) async throws -> SubscriptionState?

    /// Every subscription, by name.
    func subscriptions() async throws -> [SubscriptionState]

    /// Moves the cursor forward to `sequence`; a lower value leaves it unchanged.
    func advanceCursor(of name: String, to sequence: Int64, at date: Date) async throws

    /// Sets the cursor to any position (replay).
    /// - Throws: `not_found` if the subscription does not exist.
    func setCursor(of name: String, to sequence: Int64, at date: Date) async throws

    /// Pauses or resumes delivery.
    /// - Throws: `not_found` if the subscription does not exist.
    func setPaused(_ paused: Bool, subscription name: String, at date: Date) async throws

    /// Records a dead letter for the event with `eventSequence`. A second dead letter
    /// for the same subscription and event updates the first (attempts add up).
    func addDeadLetter(
        subscription: String, eventSequence: Int64, attempts: Int, lastError: String,
        firstFailedAt: Date, lastFailedAt: Date
    ) async throws -> DeadLetter

    /// Dead letters in id order, optionally of one subscription, only those waiting
    /// for redelivery, after an id (for paging).
    func deadLetters(subscription: String?, onlyRedeliveryRequested: Bool, afterID: Int64?, limit: Int) async throws -> [DeadLetter]

    /// One dead letter.
    func deadLetter(id: Int64) async throws -> DeadLetter?

    /// Asks for the selected dead letters to be delivered again; returns how many were marked.
    func requestRedelivery(_ selection: DeadLetterSelection) async throws -> Int

    /// Records a failed redelivery: attempts and error updated, the request cleared.
    func recordFailedRedelivery(id: Int64, additionalAttempts: Int, lastError: String, at date: Date) async throws

    /// Deletes the selected dead letters (discarded, or redelivered successfully); returns how many.
    func removeDeadLetters(_ selection: DeadLetterSelection) async throws -> Int

    /// How many dead letters a subscription has.
    func deadLetterCount(subscription: String) async throws -> Int
}

/// What the delivery engine needs from storage: events and subscription state in one place.
public typealias DurableStore = EventStore & SubscriptionStore
