public import BillingCore
public import Foundation

/// Where one email stands, as ``EmailNotificationPlugin/notificationStatus(_:)`` reports it.
public struct EmailNotificationStatus: Sendable, Hashable, Codable {
    /// The notification's id.
    public var notificationId: String
    /// `queued` (handed to the server, no answer recorded yet), `sent`, `failed` or `retrying`.
    public var status: NotificationStatus
    /// Who it goes to.
    public var recipient: String
    /// The template it is rendered from.
    public var template: String
    /// The locale it was rendered in.
    public var locale: String?
    /// Sending attempts so far.
    public var attempts: Int
    /// Its `Message-ID`, without angle brackets.
    public var messageId: String
    /// The server's last reply code: 250 when sent, 451 when retrying, 550 when refused...
    public var smtpCode: Int?
    /// The enhanced status code (`5.1.1`), when given.
    public var enhancedCode: String?
    /// The `BillingError` code of the last failure (`email.rejected`, `email.transient`...).
    public var errorCode: String?
    /// The last failure, for operators (never a password).
    public var error: String?
    /// When the record last changed.
    public var updatedAt: Date
}
