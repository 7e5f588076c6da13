import BillingCore
import CoreMetrics
import Foundation
import Logging

extension EmailNotificationPlugin {
    /// Sends one message once: recorded as `queued` before it is handed over, and
    /// `sent`, `failed` or `retrying` after. A message already `sent` or `failed` is not
    /// sent again; its event is published again if a crash came between the two.
    /// - Returns: the record as it now stands.
    func send(_ draft: EmailDraft, settings: EmailSettings, runtime: Runtime) async throws -> EmailNotificationRecord {
        let state = runtime.config.state
        let key = EmailNotificationRecord.key(notificationId: draft.notificationId)
        let entry = try await state.get(key)
        var record: EmailNotificationRecord
        if let entry {
            record = try CanonicalJSON.decode(EmailNotificationRecord.self, from: entry.value)
            if record.status == .sent || record.status == .failed {
                try await announce(record, runtime: runtime)
                return record
            }
        } else {
            let now = runtime.config.wallClock.now()
            record = EmailNotificationRecord(
                notificationId: draft.notificationId, sourceEventId: draft.sourceEventId, correlationId: draft.correlationId, template: draft.template,
                recipient: draft.recipient.address, tenantId: draft.tenantId, userId: draft.userId, locale: draft.locale, status: .queued, attempts: 0,
                messageId: EmailNotificationRecord.messageId(notificationId: draft.notificationId, domain: settings.messageIdDomain),
                createdAt: now, updatedAt: now
            )
        }

        let bytes: [UInt8]
        do {
            bytes = try render(draft, record: &record, settings: settings)
        } catch let error as BillingError {
            // A missing or broken template, or a subject with a control character: sending again cannot help.
            record.status = .failed
            record.errorCode = error.code.rawValue
            record.error = error.message
            return try await settle(record, key: key, after: entry?.version, runtime: runtime)
        }

        // Recorded before the server sees it: a redelivery then knows this attempt happened.
        record.status = .queued
        record.attempts += 1
        record.updatedAt = runtime.config.wallClock.now()
        let condition: StateCondition = entry.map { .version($0.version) } ?? .absent
        let written: PluginStateEntry
        do {
            written = try await state.put(key, encoding: record, if: condition)
        } catch let error as BillingError where error.code == .stateConflict {
            throw BillingError(.stateConflict, "Another delivery is sending \(draft.notificationId) right now; it is tried again later", underlying: error)
        }

        let started = ContinuousClock.now
        defer {
            CoreMetrics.Timer(label: "billing.email.send.duration", dimensions: [("destination", settings.isSMTP ? "smtp" : "outbox")], factory: runtime.config.metrics)
                .record(duration: ContinuousClock.now - started)
        }
        do {
            try await transmit(bytes, record: record, settings: settings, runtime: runtime)
            runtime.health.record(nil)
            record.status = .sent
            record.smtpCode = settings.isSMTP ? 250 : nil
            record.enhancedCode = nil
            record.errorCode = nil
            record.error = nil
        } catch let error as SMTPError {
            runtime.health.record(error)
            record.smtpCode = error.code
            record.enhancedCode = error.enhancedCode
            record.errorCode = error.billingCode.rawValue
            record.error = error.message
            if error.kind == .permanent { record.status = .failed } else { retryOrGiveUp(&record, settings) }
        } catch let error as BillingError {
            record.errorCode = error.code.rawValue
            record.error = error.message
            retryOrGiveUp(&record, settings)
        }
        return try await settle(record, key: key, after: written.version, runtime: runtime)
    }

    /// Renders the draft into the message bytes (the locale used is noted in `record`).
    private func render(_ draft: EmailDraft, record: inout EmailNotificationRecord, settings: EmailSettings) throws -> [UInt8] {
        let templates = try templates.templates(directory: settings.templatesDirectory, defaultLocale: settings.defaultLocale)
        let rendered = try templates.render(draft.template, locale: draft.locale, data: draft.data)
        record.locale = rendered.locale
        let subject = (draft.subject ?? rendered.subject).split(whereSeparator: { $0.isWhitespace || $0.isNewline }).joined(separator: " ")
        let message = EmailMessage(
            from: settings.from, to: [draft.recipient], replyTo: settings.replyTo, subject: subject, text: rendered.text, html: rendered.html
        )
        var generator = SystemRandomNumberGenerator()
        return try message.rendered(date: record.updatedAt, messageID: record.messageId, boundary: EmailMessage.boundary(using: &generator))
    }

    /// Hands the message to the server, or writes it to the outbox folder.
    private func transmit(_ bytes: [UInt8], record: EmailNotificationRecord, settings: EmailSettings, runtime: Runtime) async throws {
        switch settings.destination {
        case .smtp(let server):
            _ = try await runtime.smtp.send(from: settings.from.address, to: [record.recipient], data: bytes, via: server)
        case .directory(let directory):
            _ = try EmailOutbox(directory: directory).write(bytes, notificationId: record.notificationId)
        }
    }

    /// A failure that may pass: `retrying`, or `failed` once the last attempt is spent.
    private func retryOrGiveUp(_ record: inout EmailNotificationRecord, _ settings: EmailSettings) {
        guard record.attempts >= settings.maxSendAttempts else {
            record.status = .retrying
            return
        }
        record.status = .failed
        record.error = "Gave up after \(record.attempts) attempts: \(record.error ?? "")"
    }

    /// Writes the record's new state and announces it if it is settled.
    private func settle(_ record: EmailNotificationRecord, key: String, after version: Int64?, runtime: Runtime) async throws -> EmailNotificationRecord {
        var record = record
        record.updatedAt = runtime.config.wallClock.now()
        _ = try await runtime.config.state.put(key, encoding: record, if: version.map { .version($0) } ?? .absent)
        Counter(label: "billing.email.messages", dimensions: [("outcome", record.status.rawValue)], factory: runtime.config.metrics).increment()
        let level: Logger.Level = record.status == .sent ? .info : .warning
        runtime.config.logger.log(
            level: level, "Email \(record.status) to \(record.recipient) (\(record.template))",
            metadata: ["billing.notification": "\(record.notificationId)", "billing.attempts": "\(record.attempts)"]
                .merging(record.error.map { ["billing.error": "\($0)"] } ?? [:]) { $1 })
        try await announce(record, runtime: runtime)
        return record
    }

    /// Publishes `notification.sent` or `notification.failed` for a settled record, once.
    func announce(_ record: EmailNotificationRecord, runtime: Runtime) async throws {
        let event: BillingEvent
        let now = runtime.config.wallClock.now()
        switch record.status {
        case .sent:
            let payload = NotificationSent(
                notificationId: record.notificationId, channel: "email", template: record.template, recipient: record.recipient, locale: record.locale,
                messageId: record.messageId, sourceEventId: record.sourceEventId, userId: record.userId, attempts: record.attempts
            )
            event = try BillingEvent(
                payload, timestamp: now, tenantId: record.tenantId, idempotencyKey: record.eventKey("sent"), correlationId: record.correlationId,
                causationId: record.sourceEventId)
        case .failed:
            let payload = NotificationFailed(
                notificationId: record.notificationId, channel: "email", template: record.template, recipient: record.recipient,
                code: record.errorCode ?? BillingError.Code.emailRejected.rawValue, smtpCode: record.smtpCode, enhancedCode: record.enhancedCode,
                reason: record.error ?? "failed", sourceEventId: record.sourceEventId, userId: record.userId, attempts: record.attempts
            )
            event = try BillingEvent(
                payload, timestamp: now, tenantId: record.tenantId, idempotencyKey: record.eventKey("failed"), correlationId: record.correlationId,
                causationId: record.sourceEventId)
        default:
            return
        }
        _ = try await runtime.config.publishOnce(event)
    }
}
