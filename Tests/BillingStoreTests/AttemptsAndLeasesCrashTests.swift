import BilingusTestSupport
import BillingCore
@testable import BillingStore
import Foundation
import Logging
import Testing

/// Attempts and leases with real processes on a SQLite file: poison jobs under
/// `kill -9` reach their dead letter after their last attempt, and two processes share
/// a subscription without both delivering it.
@Suite("Attempts and leases across processes")
struct AttemptsAndLeasesCrashTests {
    static let jobType = try! BillingEventType("test.job")
    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A store with jobs 1 to 5; job 3 is the poison.
    static func jobs(_ name: String) async throws -> (String, SQLiteEventStore) {
        let path = TemporaryFiles.newPath(name)
        let store = try SQLiteEventStore(path: path)
        let bus = EventBus(store: store, logger: quiet)
        for index in 1...5 {
            let payload: JSONValue = index == 3 ? ["n": .int(Int64(index)), "poison": true] : ["n": .int(Int64(index))]
            try await bus.publish(BillingEvent(type: jobType, payload: payload))
        }
        return (path, store)
    }

    /// Sequences whose attempts started, one entry per start.
    static func starts(_ lines: [String]) -> [Int64] {
        lines.compactMap { line in
            let parts = line.split(separator: " ")
            return parts.count == 3 && parts[0] == "start" ? Int64(parts[1]) : nil
        }
    }

    static func done(_ lines: [String]) -> Set<Int64> {
        Set(lines.compactMap { line in
            let parts = line.split(separator: " ")
            return parts.count == 2 && parts[0] == "done" ? Int64(parts[1]) : nil
        })
    }

    /// Checks the outcome of a poison scenario, after a last child drained what is left.
    static func expectDeadLetteredOnce(_ store: SQLiteEventStore, starts: [Int64], done: Set<Int64>) async throws {
        #expect(starts.filter { $0 == 3 }.count == 3, "the poison job started exactly maxAttempts times: \(starts)")
        let letters = try await store.deadLetters(subscription: "jobs", onlyRedeliveryRequested: false, afterID: nil, limit: 10)
        #expect(letters.count == 1, "one dead letter, never recorded twice")
        #expect(letters.first?.event.sequence == 3)
        #expect(letters.first?.attempts == 3)
        #expect(done.isSuperset(of: [1, 2, 4, 5]), "the other jobs were delivered: \(done.sorted())")
        #expect(try await store.subscription(named: "jobs")?.cursor == 5)
    }

    /// Runs the drain child and returns its lines.
    static func drain(_ path: String) async throws -> [String] {
        let child = try ChildProcess(["poison-drain", path])
        #expect(await child.waitForExit() == 0)
        #expect(child.lines.last == "drained")
        return child.lines
    }

    @Test("A job that fails, with its process killed at the start of every attempt, is dead-lettered after exactly 3 attempts, once")
    func failingJobUnderKills() async throws {
        let (path, store) = try await Self.jobs("poison-throw")
        var lines: [String] = []
        for _ in 0..<10 {
            if try await store.deadLetterCount(subscription: "jobs") == 1 { break }
            let child = try ChildProcess(["poison", path, "throw"])
            // Kill it as soon as the poison job's attempt starts, or once there is nothing left to do.
            await child.waitForLine { $0.hasPrefix("start 3 ") || $0 == "done 5" }
            child.kill()
            #expect(await child.waitForExit() == SIGKILL)
            lines += child.lines
        }
        lines += try await Self.drain(path)
        try await Self.expectDeadLetteredOnce(store, starts: Self.starts(lines), done: Self.done(lines))
    }

    @Test("A job whose handler kills its own process is dead-lettered after exactly 3 starts, and the subscription moves on")
    func jobThatKillsItsProcess() async throws {
        let (path, store) = try await Self.jobs("poison-suicide")
        var lines: [String] = []
        var suicides = 0
        for _ in 0..<10 {
            let child = try ChildProcess(["poison", path, "suicide"])
            await child.waitForLine { $0 == "done 5" }
            let finished = child.lines.contains("done 5")
            if finished { child.kill() } else { suicides += 1 }
            #expect(await child.waitForExit() == SIGKILL)
            lines += child.lines
            if finished { break }
        }
        #expect(suicides == 3, "each attempt took the process down")
        lines += try await Self.drain(path)
        try await Self.expectDeadLetteredOnce(store, starts: Self.starts(lines), done: Self.done(lines))
    }

    @Test("Two processes run one subscription: one delivers while both live; after a SIGKILL the other takes over within the lease, losing nothing")
    func twoProcessesOneSubscription() async throws {
        let path = TemporaryFiles.newPath("lease")
        let store = try SQLiteEventStore(path: path)
        let bus = EventBus(store: store, logger: Self.quiet)
        let first = try ChildProcess(["lease", path])
        await first.waitForLine { $0.hasPrefix("ready") }
        let second = try ChildProcess(["lease", path])
        await second.waitForLine { $0.hasPrefix("ready") }

        func publish(_ range: ClosedRange<Int>) async throws {
            for index in range {
                try await bus.publish(BillingEvent(type: Self.jobType, payload: ["n": .int(Int64(index))]))
                try await Task.sleep(for: .milliseconds(2))
            }
        }
        func handled(_ child: ChildProcess) -> [Int64] {
            child.lines.compactMap { line in
                let parts = line.split(separator: " ")
                return parts.count == 3 && parts[0] == "handled" ? Int64(parts[1]) : nil
            }
        }
        try await publish(1...100)
        // Whichever holds the lease delivers; the other never prints a line, so look at both.
        for _ in 0..<3000 where !(handled(first) + handled(second)).contains(100) {
            try await Task.sleep(for: .milliseconds(10))
        }
        let owner = handled(first).isEmpty ? second : first
        let standby = owner === first ? second : first
        #expect(handled(standby).isEmpty, "while both live, only the lease holder delivers")
        #expect(Set(handled(owner)) == Set(1...100))

        owner.kill()
        #expect(await owner.waitForExit() == SIGKILL)
        let killedAt = ContinuousClock.now
        let storedCursor = try await store.subscription(named: "shared")?.cursor ?? 0
        try await publish(101...200)
        await standby.waitForLine { $0.hasPrefix("handled 200 ") }
        let takeover = ContinuousClock.now - killedAt
        standby.kill()
        _ = await standby.waitForExit()

        let before = Set(handled(owner))
        let after = Set(handled(standby))
        #expect(before.union(after) == Set(1...200), "nothing lost")
        #expect(before.intersection(after).allSatisfy { $0 > storedCursor }, "only events not yet acknowledged were delivered again")
        // 0.6 s lease, 0.2 s renewal, 20 ms polling; generous for a loaded machine.
        #expect(takeover < SanitizerSlowdown.scaled(.seconds(5)), "the standby took over in \(takeover)")
    }
}
