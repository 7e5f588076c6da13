public import BillingCore

extension EmailNotificationPlugin {
    /// Sends one message directly (not from an event), once per `notification.id`:
    /// calling again with the same id returns the recorded outcome, or, while it is
    /// `retrying`, tries again. `template` is a template name (an event type such as
    /// `invoice.paid`, or one of the host's own from the templates directory), `data`
    /// what it sees, and `subject`, when given, replaces the template's.
    public func sendNotification(_ notification: NotificationRequest) async throws -> NotificationReceipt {
        let runtime = try current()
        guard notification.channel == "email" else {
            throw BillingError(.unsupported, "The email plugin sends channel 'email', not '\(notification.channel)'", field: "channel")
        }
        guard !notification.id.isEmpty, notification.id.utf8.count <= EmailNotificationRecord.maxNotificationIdBytes else {
            throw BillingError(.invalidArgument, "The notification id must be 1 to \(EmailNotificationRecord.maxNotificationIdBytes) bytes", field: "id")
        }
        let settings = try EmailSettings(runtime.config.settings(forTenant: notification.tenantId))
        let recipient = try EmailAddress(notification.recipient)
        var data = notification.data.objectValue ?? [:]
        if data["recipient"] == nil { data["recipient"] = .object(["email": .string(recipient.address)]) }
        if let tenantId = notification.tenantId, data["tenantId"] == nil { data["tenantId"] = .string(tenantId) }
        let draft = EmailDraft(
            notificationId: notification.id, template: notification.template, recipient: recipient, locale: notification.locale, data: .object(data),
            subject: notification.subject, sourceEventId: nil, correlationId: nil, tenantId: notification.tenantId, userId: nil
        )
        let record = try await send(draft, settings: settings, runtime: runtime)
        return NotificationReceipt(notificationId: record.notificationId, status: record.status)
    }

    /// Where a notification stands: `queued`, `sent`, `failed` or `retrying`.
    /// - Throws: `not_found` when the plugin never recorded it.
    public func getNotificationStatus(_ notificationId: String) async throws -> NotificationStatus {
        guard let status = try await notificationStatus(notificationId) else {
            throw BillingError(.notFound, "No email notification \(notificationId) was recorded", field: "notificationId")
        }
        return status.status
    }

    /// Everything recorded about a notification (its status, attempts, the server's last
    /// reply code and error), or `nil` if the plugin never recorded it.
    public func notificationStatus(_ notificationId: String) async throws -> EmailNotificationStatus? {
        guard notificationId.utf8.count <= EmailNotificationRecord.maxNotificationIdBytes else { return nil }
        let key = EmailNotificationRecord.key(notificationId: notificationId)
        return try await current().config.state.get(key, as: EmailNotificationRecord.self)?.publicStatus
    }

    /// The messages of one event, one per recipient.
    public func notifications(forEvent eventId: EventID) async throws -> [EmailNotificationStatus] {
        let entries = try await current().config.state.list(prefix: EmailNotificationRecord.key(notificationId: "\(eventId):"), limit: 1000)
        return try entries.map { try CanonicalJSON.decode(EmailNotificationRecord.self, from: $0.value).publicStatus }
    }
}
