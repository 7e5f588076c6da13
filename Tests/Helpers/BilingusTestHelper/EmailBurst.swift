import Bilingus
import Foundation
import Logging

/// What `email-burst` needs: the SQLite file, the SMTP test server, and the messages to send.
struct EmailBurst {
    var path: String
    var host: String
    var port: Int
    var user: String
    var password: String
    var caFile: String
    var count: Int
    var prefix: String

    init?(_ arguments: ArraySlice<String>) {
        let values = Array(arguments)
        guard values.count == 8, let port = Int(values[2]), let count = Int(values[6]), count > 0 else { return nil }
        (path, host, self.port, user, password, caFile, self.count, prefix) =
            (values[0], values[1], port, values[3], values[4], values[5], count, values[7])
    }

    /// The address of user `index`.
    func address(_ index: Int) -> String { "\(prefix)-\(index)@example.com" }
}

/// `count` welcome mails through the email plugin on a SQLite file, for the crash test: it
/// publishes one `user.created` per user, one at a time (idempotently, so a rerun publishes
/// nothing new),
/// reports each `notification.sent` it finds stored as `sent <recipient> <message-id>`, never
/// runs past the test's gate (so a busy test process cannot miss its kill), and
/// returns once every message is settled, reporting `stored <recipient> <message-id> <attempts>` for each stored
/// `notification.sent` and then `settled <n>`. The test kills it at random while it sends.
func emailBurst(_ burst: EmailBurst, logger: Logger) async throws {
    var configuration = BillingEngine.Configuration()
    // A killed run's lease must lapse quickly for the next run to take over.
    configuration.subscriptions.leaseDuration = .seconds(2)
    let settings: PluginSettings = [
        "smtpHost": .init(.string(burst.host)), "smtpPort": .init(.int(Int64(burst.port))), "security": "starttls",
        "user": .init(.string(burst.user)), "password": .secret(burst.password), "trustedCertificatesFile": .init(.string(burst.caFile)),
        "from": "billing@bilingus.test",
    ]
    try await BillingEngine.withEngine(
        configuration, storage: .sqlite(path: burst.path), plugins: [.init(installAtStart: settings) { EmailNotificationPlugin() }], logger: logger
    ) { engine in
        // One user at a time, the next once the last one's message is settled, with a pause:
        // the test's kills then land while mailing, however loaded the machine is.
        var seen = Set<String>()
        var published = 0
        let gate = BurstGate(database: burst.path)
        func reportSettled() async throws -> Set<String> {
            let sent = try await engine.storage.events(ofType: NotificationSent.eventType, tenant: .any).map { try $0.decodePayload(as: NotificationSent.self) }
            for payload in sent where seen.insert(payload.notificationId).inserted {
                report("sent \(payload.recipient) \(payload.messageId ?? "-")")
            }
            let failed = try await engine.storage.events(ofType: NotificationFailed.eventType, tenant: .any).map { try $0.decodePayload(as: NotificationFailed.self) }
            for payload in failed where seen.insert(payload.notificationId).inserted {
                report("failed \(payload.recipient) \(payload.code)")
            }
            return Set(sent.map(\.recipient) + failed.map(\.recipient))
        }
        for index in 0..<burst.count {
            try await gate.wait(for: index)
            let user = UserSnapshot(id: "\(burst.prefix)-\(index)", email: burst.address(index), name: "User \(index)", locale: "en")
            let event = try BillingEvent(UserCreated(user: user), timestamp: engine.events.wallClock.now(), idempotencyKey: "\(burst.prefix)-user-\(index)")
            published += try await engine.events.publish(event).isDuplicate ? 0 : 1
            var settled = try await reportSettled()
            guard !settled.contains(burst.address(index)) else { continue }
            while !settled.contains(burst.address(index)) {
                try gate.checkWorthWaiting(for: "the message to \(burst.address(index)) did not settle")
                try await Task.sleep(for: .milliseconds(10))
                settled = try await reportSettled()
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        report("published \(published)")
        let sent = try await engine.storage.events(ofType: NotificationSent.eventType, tenant: .any).map { try $0.decodePayload(as: NotificationSent.self) }
        let failed = try await engine.storage.events(ofType: NotificationFailed.eventType, tenant: .any)
        for payload in sent { report("stored \(payload.recipient) \(payload.messageId ?? "-") \(payload.attempts)") }
        report("settled \(sent.count + failed.count)")
    }
}
