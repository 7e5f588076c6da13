/// Sending notifications (the specification's `NotificationPlugin`): email, SMS, chat.
public protocol NotificationPlugin: BillingPlugin {
    /// Sends a notification. Sending the same `id` twice must not send twice.
    func sendNotification(_ notification: NotificationRequest) async throws -> NotificationReceipt
    /// Where a notification stands.
    func getNotificationStatus(_ notificationId: String) async throws -> NotificationStatus
}

/// Where a notification stands. Extensible.
public struct NotificationStatus: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let queued = NotificationStatus(rawValue: "queued")
    public static let sent = NotificationStatus(rawValue: "sent")
    public static let delivered = NotificationStatus(rawValue: "delivered")
    public static let failed = NotificationStatus(rawValue: "failed")
    /// A transient failure (a 4xx reply, no connection): it is tried again.
    public static let retrying = NotificationStatus(rawValue: "retrying")
    public static let unknown = NotificationStatus(rawValue: "unknown")
}

/// A notification to send.
public struct NotificationRequest: Sendable, Hashable, Codable {
    /// A stable id: the key that stops a redelivered event from sending twice (derive it from the event id).
    public var id: String
    /// The channel (`email`, `sms`, `slack`).
    public var channel: String
    /// Who receives it (an address, a number, a channel id).
    public var recipient: String
    /// The subject, where the channel has one.
    public var subject: String?
    /// The template to render (`invoice-generated`).
    public var template: String
    /// The locale to render in (`en`, `ru`).
    public var locale: String?
    /// The template's data.
    public var data: JSONValue
    /// The tenant it is sent for (whose settings, such as an SMTP account, the plugin uses).
    public var tenantId: String?

    /// Creates a request.
    public init(
        id: String, channel: String, recipient: String, subject: String? = nil, template: String, locale: String? = nil, data: JSONValue = [:],
        tenantId: String? = nil
    ) {
        self.id = id
        self.channel = channel
        self.recipient = recipient
        self.subject = subject
        self.template = template
        self.locale = locale
        self.data = data
        self.tenantId = tenantId
    }
}

/// What a send returned.
public struct NotificationReceipt: Sendable, Hashable, Codable {
    /// The notification's id.
    public var notificationId: String
    /// Where it stands.
    public var status: NotificationStatus

    /// Creates a receipt.
    public init(notificationId: String, status: NotificationStatus) {
        self.notificationId = notificationId
        self.status = status
    }
}
