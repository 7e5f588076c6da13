import BilingusTestSupport
import Bilingus
import BillingTesting
import Foundation
import Testing

/// `kill -9` of a real engine process (BilingusTestHelper webhook-burst, SQLite file) while it
/// delivers to the webhook test receiver, then a restart that finishes the work.
@Suite("Webhooks: kill -9 while delivering")
struct WebhookCrashTests {
    static let count = 40
    static let kills = 5

    @Test("Killed 5 times while delivering 40 webhooks: every message arrives verified, a repeat only for an attempt in flight at a kill")
    func killedWhileDelivering() async throws {
        let receiver = try WebhookTestReceiver.start()
        var random = SystemRandomNumberGenerator()
        let secret = try WebhookSecret.generate(using: &random).reveal()
        let remote = try await receiver.endpoint(secrets: [secret])
        let path = TemporaryFiles.newPath("webhook-crash")
        let gate = ChildGate(database: path)
        defer { for suffix in ["", "-wal", "-shm", ".key", ".gate"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let arguments = ["webhook-burst", path, remote.url, secret, "\(Self.count)"]
        var generator = SeededRandomNumberGenerator(seed: 0x3EB0_0C5A)
        var delivered = Set<String>()

        for round in 0..<Self.kills {
            // At most 6 new events per round: the child cannot finish by itself.
            try gate.open(upTo: delivered.count + 6)
            let child = try ChildProcess(arguments)
            let before = delivered
            let wanted = Int.random(in: 1...4, using: &generator)
            // Killed from the child's reader thread the moment it reports the wanted fresh deliveries.
            child.kill { lines in Set(lines.compactMap(Self.deliveredId)).subtracting(before).count >= wanted }
            let status = await child.waitForExit()
            #expect(status == SIGKILL, "round \(round): the child was killed, it did not finish or fail by itself")
            delivered.formUnion(child.lines.compactMap(Self.deliveredId))
        }

        gate.remove()
        let drain = try ChildProcess(arguments)
        let status = await drain.waitForExit()
        #expect(status == 0)
        #expect(drain.lines.last == "settled \(Self.count)")

        let attempts = try await receiver.attempts(remote)
        #expect(attempts.allSatisfy { $0.verified }, "every request verified by standardwebhooks")
        let ids = attempts.compactMap(\.id)
        #expect(Set(ids).count == Self.count, "every message arrived")
        // One request in flight at a time: each kill can leave at most one to repeat.
        let repeats = ids.count - Set(ids).count
        #expect(repeats <= Self.kills, "\(repeats) repeated requests for \(Self.kills) kills")
        print("webhook crash: \(Self.kills) kills, \(delivered.count) delivered before the drain, \(repeats) repeated")
    }

    static func deliveredId(_ line: String) -> String? {
        line.hasPrefix("delivered ") ? String(line.dropFirst("delivered ".count)) : nil
    }
}
