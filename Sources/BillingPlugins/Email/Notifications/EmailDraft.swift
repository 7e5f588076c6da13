import BillingCore
import Foundation

/// One message to send, before it is rendered: for one recipient, from one template.
struct EmailDraft: Sendable {
    var notificationId: String
    var template: String
    var recipient: EmailAddress
    /// The recipient's locale, if known (`ru_RU`); the settings' default otherwise.
    var locale: String?
    /// What the template sees.
    var data: JSONValue
    /// A subject that replaces the template's (a direct request's own).
    var subject: String?
    var sourceEventId: EventID?
    var correlationId: String?
    var tenantId: String?
    var userId: String?

    /// The drafts of `event` for `user` and the settings' `copyTo` addresses: one each.
    static func drafts(for event: BillingEvent, user: UserSnapshot, address: EmailAddress, settings: EmailSettings) throws -> [EmailDraft] {
        let template = event.type.rawValue
        let data = try templateData(event: event, recipientName: user.name, recipientEmail: address.address)
        var drafts: [EmailDraft] = []
        var seen: Set<String> = []
        for recipient in [address] + settings.copyTo where seen.insert(recipient.address.lowercased()).inserted {
            drafts.append(
                EmailDraft(
                    notificationId: EmailNotificationRecord.notificationId(eventId: event.id, template: template, recipient: recipient.address),
                    template: template, recipient: recipient, locale: user.locale, data: data, subject: nil, sourceEventId: event.id,
                    correlationId: event.correlationId, tenantId: event.tenantId, userId: event.userId ?? user.id
                ))
        }
        return drafts
    }

    /// The event's payload with what every template may also use: `recipient` (`name`,
    /// `email`), `event` (`id`, `type`, `occurredAt`) and `tenantId`.
    static func templateData(event: BillingEvent, recipientName: String?, recipientEmail: String) throws -> JSONValue {
        var data = event.payload.objectValue ?? [:]
        var recipient: [String: JSONValue] = ["email": .string(recipientEmail)]
        if let recipientName { recipient["name"] = .string(recipientName) }
        data["recipient"] = .object(JSONObject(recipient))
        data["event"] = .object([
            "id": .string(event.id.description), "type": .string(event.type.rawValue),
            "occurredAt": try CanonicalJSON.value(from: event.timestamp),
        ])
        if let tenantId = event.tenantId { data["tenantId"] = .string(tenantId) }
        return .object(data)
    }
}
