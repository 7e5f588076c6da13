public import BillingCore

// What a notification plugin publishes once a message is settled, so the audit log,
// webhooks and the host see every notification without asking the plugin.

/// `notification.sent`: the mail server accepted the message for its recipient.
public struct NotificationSent: BillingEventPayload, Hashable {
    /// `notification.sent`.
    public static let eventType = try! BillingEventType("notification.sent")
    /// The notification's id (for ``EmailNotificationPlugin/getNotificationStatus(_:)``).
    public var notificationId: String
    /// The channel (`email`).
    public var channel: String
    /// The template it was rendered from (the source event's type, such as `invoice.generated`).
    public var template: String
    /// Who it went to.
    public var recipient: String
    /// The locale it was rendered in.
    public var locale: String?
    /// The `Message-ID` header it carries, without angle brackets.
    public var messageId: String?
    /// The event that caused it, if an event did.
    public var sourceEventId: EventID?
    /// The host's user it is about.
    public var userId: String?
    /// How many sending attempts it took.
    public var attempts: Int
    public var eventEntityId: String? { notificationId }
    public var eventUserId: String? { userId }

    /// Creates the payload.
    public init(
        notificationId: String, channel: String, template: String, recipient: String, locale: String? = nil, messageId: String? = nil,
        sourceEventId: EventID? = nil, userId: String? = nil, attempts: Int
    ) {
        self.notificationId = notificationId
        self.channel = channel
        self.template = template
        self.recipient = recipient
        self.locale = locale
        self.messageId = messageId
        self.sourceEventId = sourceEventId
        self.userId = userId
        self.attempts = attempts
    }
}

/// `notification.failed`: the message will not be sent: the server refused it or its
/// recipient for good (5xx), it could not be rendered, or it kept failing until the last attempt.
public struct NotificationFailed: BillingEventPayload, Hashable {
    /// `notification.failed`.
    public static let eventType = try! BillingEventType("notification.failed")
    /// The notification's id.
    public var notificationId: String
    /// The channel (`email`).
    public var channel: String
    /// The template it was to be rendered from.
    public var template: String
    /// Who it was for (empty when no address was known).
    public var recipient: String
    /// The `BillingError` code of the failure (`email.rejected`, `email.no_recipient`...).
    public var code: String
    /// The server's reply code (550, 554), when it answered.
    public var smtpCode: Int?
    /// The enhanced status code (`5.1.1`), when given.
    public var enhancedCode: String?
    /// What went wrong, for operators (never a password).
    public var reason: String
    /// The event that caused it, if an event did.
    public var sourceEventId: EventID?
    /// The host's user it is about.
    public var userId: String?
    /// How many sending attempts were made.
    public var attempts: Int
    public var eventEntityId: String? { notificationId }
    public var eventUserId: String? { userId }

    /// Creates the payload.
    public init(
        notificationId: String, channel: String, template: String, recipient: String, code: String, smtpCode: Int? = nil,
        enhancedCode: String? = nil, reason: String, sourceEventId: EventID? = nil, userId: String? = nil, attempts: Int
    ) {
        self.notificationId = notificationId
        self.channel = channel
        self.template = template
        self.recipient = recipient
        self.code = code
        self.smtpCode = smtpCode
        self.enhancedCode = enhancedCode
        self.reason = reason
        self.sourceEventId = sourceEventId
        self.userId = userId
        self.attempts = attempts
    }
}
