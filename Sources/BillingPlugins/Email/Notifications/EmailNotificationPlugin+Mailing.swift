import BillingCore
import Foundation

extension EmailNotificationPlugin {
    /// Mails one event: a message for its user and one for each `copyTo` address.
    /// Messages already settled are skipped; if any must be tried again, the result is a
    /// failure, so the durable subscription delivers the event again after its backoff.
    func mail(_ context: BillingContext, settings: EmailSettings, runtime: Runtime) async throws -> PluginResult {
        let event = context.event
        guard let user = try await recipients.user(for: context), let email = user.email else {
            let record = try await settleUnsendable(
                event: event, settings: settings, runtime: runtime, code: .emailNoRecipient,
                reason: "The event names no user with an email address, and no recipient lookup found one")
            return .success(["notifications": [.string(record.notificationId)]])
        }
        let address: EmailAddress
        do {
            address = try EmailAddress(email, name: user.name?.isEmpty == false ? user.name : nil)
        } catch let error as BillingError {
            let record = try await settleUnsendable(event: event, settings: settings, runtime: runtime, code: error.code, reason: error.message)
            return .success(["notifications": [.string(record.notificationId)]])
        }
        var settled: [String: JSONValue] = [:]
        var pending: [String] = []
        for draft in try EmailDraft.drafts(for: event, user: user, address: address, settings: settings) {
            let record = try await send(draft, settings: settings, runtime: runtime)
            settled[record.notificationId] = .string(record.status.rawValue)
            if record.status == .retrying { pending.append("\(record.recipient): \(record.error ?? "retrying")") }
        }
        guard pending.isEmpty else {
            return .failure(message: "Will try again: " + pending.joined(separator: "; "))
        }
        return .success(["notifications": .object(JSONObject(settled))])
    }

    /// Records an event's message that cannot be sent at all (no address) as failed, once.
    private func settleUnsendable(
        event: BillingEvent, settings: EmailSettings, runtime: Runtime, code: BillingError.Code, reason: String
    ) async throws -> EmailNotificationRecord {
        let id = EmailNotificationRecord.notificationId(eventId: event.id, template: event.type.rawValue, recipient: "")
        let key = EmailNotificationRecord.key(notificationId: id)
        let state = runtime.config.state
        if let existing = try await state.get(key, as: EmailNotificationRecord.self) {
            try await announce(existing, runtime: runtime)
            return existing
        }
        let now = runtime.config.wallClock.now()
        let record = EmailNotificationRecord(
            notificationId: id, sourceEventId: event.id, correlationId: event.correlationId, template: event.type.rawValue, recipient: "",
            tenantId: event.tenantId, userId: event.userId, locale: nil, status: .failed, attempts: 0,
            messageId: EmailNotificationRecord.messageId(notificationId: id, domain: settings.messageIdDomain),
            errorCode: code.rawValue, error: reason, createdAt: now, updatedAt: now
        )
        runtime.config.logger.warning("Not mailing \(event.type) \(event.id): \(reason)", metadata: ["billing.error": "\(code)"])
        _ = try await state.put(key, encoding: record, if: .absent)
        try await announce(record, runtime: runtime)
        return record
    }
}
