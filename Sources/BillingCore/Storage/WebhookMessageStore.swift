public import Foundation

/// Where one webhook message stands.
public enum WebhookMessageStatus: String, Sendable, Hashable, Codable {
    /// Waiting for its next attempt (or in one, while claimed).
    case pending
    /// An attempt got a 2xx.
    case succeeded
    /// Every attempt of its schedule failed, or its endpoint refused it for good.
    case failed
}

/// One event for one endpoint: the unit of webhook delivery, with its own schedule, so an
/// endpoint that is down never holds up another.
public struct WebhookMessageRecord: Sendable, Hashable {
    /// The message id, sent as `webhook-id`: the same on every attempt.
    public var id: String
    /// The endpoint it goes to.
    public var endpointId: String
    /// The event it carries.
    public var eventId: EventID
    /// The event's tenant.
    public var tenantId: String?
    /// Where it stands.
    public var status: WebhookMessageStatus
    /// Attempts started, counted when claimed (so one cut short by a crash counts too).
    public var attempts: Int
    /// When it is due (pending messages).
    public var nextAttemptAt: Date?
    /// The claim of the attempt in flight: only its holder may settle the message.
    public var claimToken: Int64?
    /// When that claim lapses, and the message is due again.
    public var claimedUntil: Date?
    /// The last attempt's HTTP status, if it got one.
    public var lastStatusCode: Int?
    /// The last attempt's error, if it failed.
    public var lastError: String?
    /// When it was created.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date

    /// Creates a message, pending and due at `nextAttemptAt`.
    public init(
        id: String, endpointId: String, eventId: EventID, tenantId: String?, status: WebhookMessageStatus = .pending, attempts: Int = 0,
        nextAttemptAt: Date?, claimToken: Int64? = nil, claimedUntil: Date? = nil, lastStatusCode: Int? = nil, lastError: String? = nil,
        createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.endpointId = endpointId
        self.eventId = eventId
        self.tenantId = tenantId
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.claimToken = claimToken
        self.claimedUntil = claimedUntil
        self.lastStatusCode = lastStatusCode
        self.lastError = lastError
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// One attempt of a webhook message, as the delivery log keeps it.
public struct WebhookAttemptRecord: Sendable, Hashable {
    /// The message.
    public var messageId: String
    /// Its endpoint.
    public var endpointId: String
    /// Which attempt (1-based).
    public var attempt: Int
    /// When the request started.
    public var startedAt: Date
    /// How long it took, in microseconds.
    public var durationMicroseconds: Int64
    /// The HTTP status, if a response came.
    public var statusCode: Int?
    /// The start of the response body (the delivery keeps 2 KiB).
    public var responseBody: String?
    /// What went wrong, if it failed.
    public var error: String?

    /// Creates an attempt record.
    public init(
        messageId: String, endpointId: String, attempt: Int, startedAt: Date, durationMicroseconds: Int64, statusCode: Int? = nil,
        responseBody: String? = nil, error: String? = nil
    ) {
        self.messageId = messageId
        self.endpointId = endpointId
        self.attempt = attempt
        self.startedAt = startedAt
        self.durationMicroseconds = durationMicroseconds
        self.statusCode = statusCode
        self.responseBody = responseBody
        self.error = error
    }

    /// Where an attempt stands in its endpoint's log, which lists newest first: by start
    /// time, then message id, then attempt number.
    public struct Position: Sendable, Hashable, Comparable {
        /// When the request started.
        public var startedAt: Date
        /// The message.
        public var messageId: String
        /// Which attempt.
        public var attempt: Int

        /// A position, to page on from (`webhookAttempts(endpointId:before:limit:)`).
        public init(startedAt: Date, messageId: String, attempt: Int) {
            self.startedAt = startedAt
            self.messageId = messageId
            self.attempt = attempt
        }

        public static func < (lhs: Position, rhs: Position) -> Bool {
            (lhs.startedAt, lhs.messageId, lhs.attempt) < (rhs.startedAt, rhs.messageId, rhs.attempt)
        }
    }

    /// This attempt's place in its endpoint's log.
    public var position: Position {
        Position(startedAt: startedAt, messageId: messageId, attempt: attempt)
    }
}

/// Persistence of webhook messages and their delivery log, so that `kill -9` at any
/// point loses no message and repeats only the attempts in flight.
///
/// A message is claimed before its attempt (the attempt counted, a claim token and a
/// lapse time set) and settled after it (the attempt logged and the outcome written in
/// one transaction, only while the claim holds). A claim that lapses (its process died)
/// makes the message due again.
public protocol WebhookMessageStore: Sendable {
    /// Stores the messages whose id is not stored yet; returns how many were new.
    func enqueueWebhookMessages(_ messages: [WebhookMessageRecord]) async throws -> Int
    /// Claims up to `limit` pending messages due at `now` (never claimed, or their claim
    /// lapsed), earliest due first, leaving out `excludedEndpoints`: each gets one more
    /// attempt counted, a new claim token and `claimedUntil`.
    func claimWebhookMessages(now: Date, claimUntil: Date, limit: Int, excluding excludedEndpoints: Set<String>) async throws -> [WebhookMessageRecord]
    /// Settles a claimed message: logs `attempt`, and sets `status`, `nextAttemptAt`
    /// (for a pending one), the last status code and error, and clears the claim; only
    /// while `claimToken` is still its claim. Returns whether it was settled.
    func settleWebhookMessage(
        id: String, claimToken: Int64, status: WebhookMessageStatus, nextAttemptAt: Date?, attempt: WebhookAttemptRecord, now: Date
    ) async throws -> Bool
    /// One message.
    func webhookMessage(id: String) async throws -> WebhookMessageRecord?
    /// An endpoint's messages by id, of one status or all, at most `limit`, after `afterId`.
    func webhookMessages(endpointId: String, status: WebhookMessageStatus?, after afterId: String?, limit: Int) async throws -> [WebhookMessageRecord]
    /// A message's attempts, in order.
    func webhookAttempts(messageId: String) async throws -> [WebhookAttemptRecord]
    /// An endpoint's attempts across its messages, newest first (by ``WebhookAttemptRecord/Position``),
    /// at most `limit`, those before `position` when given.
    func webhookAttempts(endpointId: String, before position: WebhookAttemptRecord.Position?, limit: Int) async throws -> [WebhookAttemptRecord]
    /// Makes one message pending again, due at `now`, its attempts kept (redelivery);
    /// `false` when it is unknown or claimed right now.
    func requeueWebhookMessage(id: String, now: Date) async throws -> Bool
    /// Makes every failed message of `endpointId` created at or after `since` pending again,
    /// due at `now`; returns how many.
    func requeueFailedWebhookMessages(endpointId: String, since: Date, now: Date) async throws -> Int
    /// Deletes logged attempts that started before `cutoff` (retention); returns how many.
    func pruneWebhookAttempts(before cutoff: Date) async throws -> Int
}
