import BilingusTestSupport
import BillingCore
@testable import BillingStore
import BillingTesting
import Foundation
import Testing

/// At-least-once delivery under `kill -9`, with real processes: a child publishes and
/// consumes through two durable subscriptions on a SQLite file and is killed with
/// SIGKILL at a different point each round; a last child drains cleanly.
@Suite("Durable subscriptions under kill -9")
struct DurableSubscriptionCrashTests {
    private struct Handled {
        var sequences: [Int64] = []
        var entities: [String] = []
    }

    @Test("Killed 22 times at random points: nothing skipped, duplicates only where not yet acknowledged, cursors never ahead")
    func killNineRepeatedly() async throws {
        let path = TemporaryFiles.newPath("durable-kill9")
        _ = try SQLiteEventStore(path: path)  // create the schema up front
        let subscriptions = ["ordered", "lanes"]
        var generator = SeededRandomNumberGenerator(seed: 0xB111_DEAD)
        var acknowledgedPublishes: Set<Int64> = []
        // Per subscription, per round: what was handled, and the cursor found after the kill.
        var handled: [String: [Handled]] = ["ordered": [], "lanes": []]
        var cursors: [String: [Int64]] = ["ordered": [], "lanes": []]

        for _ in 0..<22 {
            let child = try ChildProcess(["consume-loop", path])
            // Once the child delivers on both subscriptions (it first takes over the killed
            // child's leases, which lapse within 0.6 s), anywhere from there to steady state
            // (~15,000 lines a second). Waiting for both, not either, keeps every kill inside
            // consumption on a loaded machine too, where one subscription may start late.
            for subscription in subscriptions {
                await child.waitForLine { $0.hasPrefix("handled \(subscription) ") }
            }
            await child.waitForLines(child.lines.count + Int.random(in: 1...3000, using: &generator))
            child.kill()
            #expect(await child.waitForExit() == SIGKILL)
            let lines = child.lines
            let store = try SQLiteEventStore(path: path)
            for subscription in subscriptions {
                handled[subscription]!.append(Self.parse(lines, subscription))
                cursors[subscription]!.append(try await store.subscription(named: subscription)?.cursor ?? 0)
            }
            for line in lines where line.hasPrefix("published ") {
                acknowledgedPublishes.formUnion(line.split(separator: " ").dropFirst().compactMap { Int64($0) })
            }
        }

        let drain = try ChildProcess(["consume-drain", path])
        #expect(await drain.waitForExit() == 0)
        #expect(drain.lines.last == "drained")
        for subscription in subscriptions {
            handled[subscription]!.append(Self.parse(drain.lines, subscription))
        }

        let store = try SQLiteEventStore(path: path)
        #expect(try await store.integrityCheck() == ["ok"])
        let committed = try await store.events(matching: EventFilters())
        #expect(acknowledgedPublishes.isSubset(of: Set(committed.compactMap(\.sequence))), "every acknowledged publish was committed")
        #expect(committed.count > 200, "the rounds published a meaningful amount")

        for subscription in subscriptions {
            let pattern: [EventPattern] = subscription == "ordered" ? ["*"] : ["invoice.*", "payment.*"]
            let matching = committed.filter { event in pattern.contains { $0.matches(event.type) } }.compactMap(\.sequence)
            let rounds = handled[subscription]!
            let everHandled = Set(rounds.flatMap(\.sequences))
            #expect(rounds.dropLast().filter { !$0.sequences.isEmpty }.count == 22, "every kill lands while \(subscription) is consuming")

            // Every committed event reached the subscriber at least once; none was skipped.
            #expect(Set(matching).isSubset(of: everHandled), "\(subscription) missed \(Set(matching).subtracting(everHandled).sorted().prefix(10))")
            #expect(everHandled.isSubset(of: Set(matching)), "\(subscription) received events it does not match")

            var handledSoFar: Set<Int64> = []
            for (round, batch) in rounds.enumerated() {
                // No duplicate within one process lifetime.
                #expect(Set(batch.sequences).count == batch.sequences.count, "\(subscription) round \(round) delivered an event twice")
                // Order: strictly by sequence, or (lanes) per entity.
                if subscription == "ordered" {
                    #expect(batch.sequences == batch.sequences.sorted(), "\(subscription) round \(round) out of order")
                } else {
                    for entity in Set(batch.entities) {
                        let own = zip(batch.sequences, batch.entities).filter { $0.1 == entity }.map(\.0)
                        #expect(own == own.sorted(), "\(subscription) entity \(entity) out of order in round \(round)")
                    }
                }
                handledSoFar.formUnion(batch.sequences)
                guard round < cursors[subscription]!.count else { continue }
                let cursor = cursors[subscription]![round]
                // The cursor is never ahead of what was handled.
                let acknowledged = matching.filter { $0 <= cursor }
                #expect(Set(acknowledged).isSubset(of: handledSoFar), "\(subscription) cursor \(cursor) ahead of handled events after round \(round)")
                // Anything delivered again later was not yet acknowledged at this kill.
                let later = Set(rounds[(round + 1)...].flatMap(\.sequences))
                let repeated = Set(batch.sequences).intersection(later)
                #expect(repeated.allSatisfy { $0 > cursor }, "\(subscription) redelivered acknowledged events \(repeated.filter { $0 <= cursor }.sorted())")
            }
        }
    }

    private static func parse(_ lines: [String], _ subscription: String) -> Handled {
        var result = Handled()
        for line in lines {
            let parts = line.split(separator: " ")
            guard parts.count == 4, parts[0] == "handled", parts[1] == subscription, let sequence = Int64(parts[2]) else { continue }
            result.sequences.append(sequence)
            result.entities.append(String(parts[3]))
        }
        return result
    }
}
