import BillingCore
import Foundation

/// One message as the plugin records it in its state store, under
/// ``key(notificationId:)``: written as `queued` before the message is handed to the
/// server, and marked `sent`, `failed` or `retrying` after. A redelivered event finds it,
/// so a message the server accepted is never sent again.
struct EmailNotificationRecord: Codable, Sendable, Hashable {
    /// `(event id, template, recipient)` for an event's message; the caller's id for a direct send.
    var notificationId: String
    /// The event the message is about, if an event caused it.
    var sourceEventId: EventID?
    /// The source event's correlation id, carried to the events announcing the message.
    var correlationId: String?
    /// The template (an event type such as `invoice.generated`).
    var template: String
    /// The address it goes to.
    var recipient: String
    var tenantId: String?
    var userId: String?
    /// The locale it was rendered in.
    var locale: String?
    /// `queued`, `sent`, `failed` or `retrying`.
    var status: NotificationStatus
    /// Sending attempts so far.
    var attempts: Int
    /// The `Message-ID`, the same on every attempt, so a receiver can tell a resend.
    var messageId: String
    /// The last reply code (250 once sent, 451, 550...).
    var smtpCode: Int? = nil
    var enhancedCode: String? = nil
    /// The `BillingError` code of the last failure.
    var errorCode: String? = nil
    /// The last failure, for operators.
    var error: String? = nil
    var createdAt: Date
    var updatedAt: Date

    /// The longest notification id, in UTF-8 bytes: it is also the state key, the events'
    /// entity id and part of their idempotency key, which have limits of their own.
    static let maxNotificationIdBytes = 200

    /// The notification id of the message of `eventId` rendered from `template` for
    /// `recipient`: readable, with the recipient hashed when the whole would be too long.
    static func notificationId(eventId: EventID, template: String, recipient: String) -> String {
        let readable = "\(eventId):\(template):\(recipient.lowercased())"
        guard readable.utf8.count > maxNotificationIdBytes else { return readable }
        return "\(eventId):\(template.prefix(64)):sha256:\(sha256Hex(recipient.lowercased()).prefix(32))"
    }

    /// The state key of a notification.
    static func key(notificationId: String) -> String { "message:\(notificationId)" }

    /// A Message-ID derived from the notification id: stable across attempts and restarts.
    static func messageId(notificationId: String, domain: String) -> String {
        "\(sha256Hex(notificationId).prefix(32))@\(domain)"
    }

    /// The idempotency key of the event announcing `outcome` (`sent`, `failed`).
    func eventKey(_ outcome: String) -> String { "\(EmailNotificationPlugin.name):\(notificationId):\(outcome)" }

    /// What ``EmailNotificationPlugin/notificationStatus(_:)`` shows.
    var publicStatus: EmailNotificationStatus {
        EmailNotificationStatus(
            notificationId: notificationId, status: status, recipient: recipient, template: template, locale: locale, attempts: attempts,
            messageId: messageId, smtpCode: smtpCode, enhancedCode: enhancedCode, errorCode: errorCode, error: error, updatedAt: updatedAt
        )
    }
}
