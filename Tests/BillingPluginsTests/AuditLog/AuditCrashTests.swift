import BilingusTestSupport
import BillingCore
import BillingPlugins
import BillingStore
import BillingTesting
import Foundation
import Testing

/// `kill -9` of a real engine process (BilingusTestHelper audit-burst, SQLite file) while its
/// audit log appends events and actions to one chain, then a restart that finishes the work.
@Suite("Audit log: kill -9 while appending")
struct AuditCrashTests {
    static let count = 60

    static func head(_ line: String) -> Int64? {
        line.hasPrefix("head ") ? Int64(line.dropFirst("head ".count)) : nil
    }

    @Test("Killed 5 times in the middle of appends: the chain verifies after every kill, keeps what was reported, and the restart goes on with every event once")
    func killedWhileAppending() async throws {
        let path = TemporaryFiles.newPath("audit-crash")
        let gate = ChildGate(database: path)
        defer { for suffix in ["", "-wal", "-shm", ".key", ".gate"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let arguments = ["audit-burst", path, "\(Self.count)"]
        var generator = SeededRandomNumberGenerator(seed: 0xA0D1_7C4A)
        var kept: Int64 = 0
        for round in 0..<5 {
            // At most 10 new events per round: the child cannot finish by itself.
            try gate.open(upTo: (round + 1) * 10)
            let child = try ChildProcess(arguments)
            let before = kept
            let wanted = Int.random(in: 1...6, using: &generator)
            // Killed from the reader thread once the head moved `wanted` times past what the last round kept.
            child.kill { lines in lines.compactMap(Self.head).filter { $0 > before }.count >= wanted }
            let status = await child.waitForExit()
            #expect(status == SIGKILL, "round \(round): the child was killed, it did not finish or fail by itself")
            let reported = child.lines.compactMap(Self.head).max() ?? 0
            let store = try SQLiteEventStore(path: path)
            let result = try await AuditLog(storage: store).verify(tenant: "acme")
            #expect(result.isIntact, "round \(round): \(result)")
            #expect(Int64(result.entries) >= reported, "round \(round): every head reported was committed (\(result.entries) of \(reported))")
            kept = Int64(result.entries)
            try await store.close()
        }

        gate.remove()
        let drain = try ChildProcess(arguments)
        let status = await drain.waitForExit()
        #expect(status == 0)
        #expect(drain.lines.last == "recorded \(Self.count)")
        let store = try SQLiteEventStore(path: path)
        let result = try await AuditLog(storage: store).verify(tenant: "acme")
        #expect(result.isIntact, "\(result)")
        let entries = try await store.auditEntries(chain: "tenant:acme", after: 0, limit: 1_000)
        #expect(entries.map(\.sequence) == Array(1...Int64(entries.count)), "one linear chain")
        let events = entries.compactMap(\.eventId)
        #expect(events.count == Self.count && Set(events).count == Self.count, "every event recorded exactly once")
        print("audit crash: 5 kills, \(entries.count) entries, \(entries.count - events.count) actions")
        try await store.close()
    }
}
