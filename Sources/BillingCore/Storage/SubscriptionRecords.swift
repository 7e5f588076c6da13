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
    /// The lease of the process delivering it, if one holds or held it (it may have expired).
    public let lease: SubscriptionLease?
    /// A run of first attempts that was started and not yet recorded as finished: if the
    /// owner died, one of these events may have taken it down, so they are delivered
    /// one at a time, with their attempts persisted, until the cursor passes the run.
    public let inFlightRun: ClosedRange<Int64>?
    /// When the subscription was first created.
    public let createdAt: Date
    /// When its state last changed.
    public let updatedAt: Date

    /// Creates a state value (storage backends build these).
    public init(
        name: String, patterns: [EventPattern], cursor: Int64, isPaused: Bool, lease: SubscriptionLease?,
        inFlightRun: ClosedRange<Int64>?, createdAt: Date, updatedAt: Date
    ) {
        self.name = name
        self.patterns = patterns
        self.cursor = cursor
        self.isPaused = isPaused
        self.lease = lease
        self.inFlightRun = inFlightRun
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// The right of one process to deliver a durable subscription.
///
/// Every acquisition by an owner raises ``token``, the fencing counter: each write a
/// delivering process makes (cursor, attempts, dead letters) carries its token, and a
/// store refuses a write whose token is not the current one. A process that lost its
/// lease (it stalled past the expiry and another took over) can no longer move the
/// cursor or record attempts.
public struct SubscriptionLease: Sendable, Hashable {
    /// The subscription.
    public let subscription: String
    /// Who holds it: unique per process (host, process id and a random part).
    public let owner: String
    /// The fencing counter; strictly increasing across acquisitions.
    public let token: Int64
    /// When it lapses unless renewed.
    public let expiresAt: Date

    /// Creates a lease value (storage backends build these).
    public init(subscription: String, owner: String, token: Int64, expiresAt: Date) {
        self.subscription = subscription
        self.owner = owner
        self.token = token
        self.expiresAt = expiresAt
    }
}

/// One event's persisted delivery attempts, recorded before each attempt starts, so
/// the count survives a crash and a crash during an attempt counts as one.
public struct DeliveryAttempt: Sendable, Hashable {
    /// The subscription.
    public let subscription: String
    /// The event's sequence.
    public let sequence: Int64
    /// Attempts started, including one still running or cut off by a crash.
    public var attempts: Int
    /// When the next attempt may start; `nil` while an attempt runs (after a crash:
    /// the attempt during which the process died).
    public var nextAttemptAt: Date?
    /// When the first attempt failed.
    public var firstFailedAt: Date?
    /// The last failure, redacted.
    public var lastError: String?
    /// The event was in a run of first attempts, or in flight with others, when a
    /// process died, and that start is not counted yet: it is added if this event
    /// takes the process down again when delivered alone.
    public var isSuspect: Bool
    /// The event was dead-lettered; it is skipped until the cursor passes it.
    public var isDeadLettered: Bool

    /// Creates an attempt record.
    public init(
        subscription: String, sequence: Int64, attempts: Int, nextAttemptAt: Date? = nil, firstFailedAt: Date? = nil,
        lastError: String? = nil, isSuspect: Bool = false, isDeadLettered: Bool = false
    ) {
        self.subscription = subscription
        self.sequence = sequence
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.firstFailedAt = firstFailedAt
        self.lastError = lastError
        self.isSuspect = isSuspect
        self.isDeadLettered = isDeadLettered
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
    /// How many delivery attempts were made, redeliveries included.
    public let attempts: Int
    /// The last failure, as text, secrets redacted.
    public let lastError: String
    /// When the first attempt failed.
    public let firstFailedAt: Date
    /// When the last attempt failed.
    public let lastFailedAt: Date
    /// Whether an operator asked for it to be delivered again and that attempt has not run yet.
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
