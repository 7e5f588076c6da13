import BilingusTestSupport
import BillingCore
@testable import BillingPlugins
import BillingStore
import BillingTesting
import Foundation
import Testing

/// `kill -9` of a real engine process (BilingusTestHelper email-burst, SQLite file) while
/// the email plugin mails a burst of welcomes through the SMTP test server, then restarts.
@Suite("Email plugin: kill -9 while sending")
struct EmailCrashTests {
    /// More than the killed rounds can reach: each may mail at most 4 new users (the gate).
    static let count = 50
    static let kills = 6

    @Test("Killed 6 times at random while mailing 50 welcomes: every recipient gets one, a resend only in the window and with the same Message-ID")
    func killedWhileSending() async throws {
        let server = try SMTPTestServer.start()
        let path = TemporaryFiles.newPath("email-crash")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let prefix = "crash-\(UUID().uuidString.prefix(8).lowercased())"
        let arguments = [
            "email-burst", path, server.host, "\(server.port)", server.user, server.password, server.caCertificatePath, "\(Self.count)", prefix,
        ]
        var generator = SeededRandomNumberGenerator(seed: 0xE3A1_C4A5)
        // Recipients whose message the plugin had recorded as sent when the last child was killed.
        var known = Set<String>()
        // Per kill, the recipients whose message was recorded as queued (handed to the server,
        // or about to be) and not yet settled: the only messages a kill may leave to be resent.
        var inFlight: [Set<String>] = []
        var cursors: [String] = []  // the subscriptions' cursors after each kill, for the summary

        let gate = ChildGate(database: path)
        defer { gate.remove() }
        for round in 0..<Self.kills {
            // The child may mail at most 4 new users: however slowly this process wakes up for
            // the kill, the child cannot finish the burst by itself.
            try gate.open(upTo: known.count + 4)
            let child = try ChildProcess(arguments)
            // Killed from the child's reader thread the moment it reports 1-3 messages it sent
            // itself (once it took over the killed child's lease): the kill lands while it sends.
            let before = known
            let wanted = Int.random(in: 1...3, using: &generator)
            child.kill { lines in Set(lines.compactMap(Self.sentRecipient)).subtracting(before).count >= wanted }
            let status = await child.waitForExit()
            #expect(status == SIGKILL, "round \(round): the child was killed, it did not finish or fail by itself")
            let records = try await Self.records(path)
            known = Set(records.filter { $0.status == .sent }.map(\.recipient))
            inFlight.append(Set(records.filter { $0.status == .queued }.map(\.recipient)))
            cursors.append(try await Self.cursors(path))
        }
        gate.remove()
        let drain = try ChildProcess(arguments)
        let status = await drain.waitForExit()
        #expect(status == 0)
        #expect(drain.lines.last == "settled \(Self.count)")
        #expect(!drain.lines.contains { $0.hasPrefix("failed ") })
        // Exactly one notification.sent per recipient in the SQLite store.
        let stored = drain.lines.filter { $0.hasPrefix("stored ") }.map { $0.split(separator: " ").map(String.init) }
        #expect(stored.count == Self.count)
        let storedIds = Dictionary(stored.map { ($0[1], $0[2]) }, uniquingKeysWith: { first, _ in first })
        let attempts = Dictionary(stored.map { ($0[1], $0[3]) }, uniquingKeysWith: { first, _ in first })
        #expect(storedIds.count == Self.count)

        // Deliveries go one at a time: a kill finds at most one message in flight.
        #expect(inFlight.allSatisfy { $0.count <= 1 }, "in flight at each kill: \(inFlight)")
        var duplicated: [String] = []
        for index in 0..<Self.count {
            let recipient = "\(prefix)-\(index)@example.com"
            let messages = try server.messages(to: recipient)
            let ids = Set(messages.map { Self.messageId($0.raw) })
            #expect(!messages.isEmpty, "\(recipient) got its welcome")
            #expect(ids.count == 1, "\(recipient): a resend carries the same Message-ID (\(ids))")
            #expect(ids.first.flatMap { $0 } == storedIds[recipient], "\(recipient): the Message-ID of notification.sent")
            guard messages.count > 1 else { continue }
            duplicated.append(recipient)
            // A resend only in the window: each extra copy needs a kill that found the message
            // queued (maybe accepted by the server, not yet recorded as sent).
            let windows = inFlight.filter { $0.contains(recipient) }.count
            #expect(messages.count - 1 <= windows, "\(recipient): \(messages.count) copies, in flight at \(windows) kills (attempts \(attempts[recipient] ?? "?"))")
        }
        #expect(duplicated.count <= Self.kills)
        print("email crash: \(Self.kills) kills, \(known.count) sent before the drain, \(duplicated.count) resent in the window: \(duplicated); cursors after the kills: \(cursors)")
    }

    /// The plugin's records of its messages, from its state in the SQLite file.
    static func records(_ path: String) async throws -> [EmailNotificationRecord] {
        let store = try SQLiteEventStore(path: path)
        let entries = try await store.pluginStates(plugin: EmailNotificationPlugin.name, prefix: "message:", after: nil, limit: 1000, now: Date())
        try await store.close()
        return try entries.map { try CanonicalJSON.decode(EmailNotificationRecord.self, from: $0.value) }
    }

    /// The durable subscriptions' names and cursors in the SQLite file.
    static func cursors(_ path: String) async throws -> String {
        let store = try SQLiteEventStore(path: path)
        let states = try await store.subscriptions()
        try await store.close()
        return states.map { "\($0.name)=\($0.cursor)" }.joined(separator: ",")
    }

    /// The recipient of a `sent <recipient> <message-id>` line.
    static func sentRecipient(_ line: String) -> String? {
        let parts = line.split(separator: " ")
        return parts.count == 3 && parts[0] == "sent" ? String(parts[1]) : nil
    }

    /// The `Message-ID` header's value without angle brackets, from a message's header section.
    static func messageId(_ raw: [UInt8]) -> String? {
        let text = String(decoding: raw, as: UTF8.self)
        let header = text.components(separatedBy: "\r\n\r\n").first ?? text
        for line in header.components(separatedBy: "\r\n") where line.lowercased().hasPrefix("message-id:") {
            return line.dropFirst("message-id:".count).trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "<>"))
        }
        return nil
    }
}
