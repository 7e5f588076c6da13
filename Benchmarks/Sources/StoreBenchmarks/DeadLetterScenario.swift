import BenchmarkSupport
import BillingCore
import BillingStore
import Foundation
import Logging
import ServiceLifecycle

/// Scenario 6: a durable subscription that dead-letters 5% of events (its handler throws
/// for every 20th event; `RetryPolicy.none`, so the first failure dead-letters) while 64
/// publishers publish through the bus (group commit). Each dead letter is a write of its
/// own (and the run after it a waited cursor write); the question is whether those
/// writes keep up with the publishers or starve behind the group commits.
struct DeadLetterResults {
    var events = 0
    var publishers = 0
    var publishSeconds = 0.0
    /// Dead letters on record when the last publish returned.
    var deadLettersAtEnd = 0
    /// Head sequence − the subscription's persisted cursor when the last publish returned.
    var lagAtEnd: Int64 = 0
    /// Seconds after the last publish until the cursor reached the head (nil: not within the limit).
    var catchUpSeconds: Double?
    var totalDeadLetters = 0
    var eventsPerCommit: Double?
    var joinedWrites: Int?

    var publishRate: Double { Double(events) / publishSeconds }
    var deadLetterRate: Double { Double(deadLettersAtEnd) / publishSeconds }
}

/// How long scenario 6 waits for the subscription to catch up after publishing.
let deadLetterCatchUpLimit = 120.0

func deadLetterScenario(options: Options, scratch: ScratchDirectory) async throws -> DeadLetterResults {
    let count = options.deadLetterEvents
    let publishers = options.publishers
    progress("dead letters: preparing \(grouped(count)) events")
    let events = Fixtures.events(0..<count, tag: "dl")
    let failing = Set(stride(from: 0, to: count, by: 20).map { events[$0].id })
    let slices: [[BillingEvent]] = (0..<publishers).map { publisher in
        Array(stride(from: publisher, to: count, by: publishers).map { events[$0] })
    }
    let path = scratch.database("dead-letters")
    defer { scratch.delete(path) }
    var results = DeadLetterResults(events: count, publishers: publishers)
    sync()

    let store = try SQLiteEventStore(path: path)
    let bus = EventBus(store: store)
    let dispatcher = SubscriptionDispatcher(store: store, bus: bus, logger: quietLogger)
    struct Refused: Error {}
    try await dispatcher.subscribe("dead-letters", to: [.all], options: DurableSubscriptionOptions(retry: .none)) { event in
        if failing.contains(event.id) { throw Refused() }
    }
    let group = ServiceGroup(services: [bus, dispatcher], logger: quietLogger)
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        try await Task.sleep(for: .milliseconds(200))

        progress("dead letters: \(publishers) publishers, \(grouped(count)) events, every 20th dead-lettered")
        let (seconds, _) = try await publishConcurrently(slices) { try await bus.publish($0) }
        results.publishSeconds = seconds
        results.deadLettersAtEnd = try await store.deadLetterCount(subscription: "dead-letters")
        let head = try await store.headSequence()
        let cursor = try await store.subscription(named: "dead-letters")?.cursor ?? 0
        results.lagAtEnd = head - cursor

        let start = nanoseconds()
        while Double(nanoseconds() - start) / 1e9 < deadLetterCatchUpLimit {
            if (try await store.subscription(named: "dead-letters")?.cursor ?? 0) >= head {
                results.catchUpSeconds = Double(nanoseconds() - start) / 1e9
                break
            }
            try await Task.sleep(for: .milliseconds(2))
        }
        results.totalDeadLetters = try await store.deadLetterCount(subscription: "dead-letters")
        results.eventsPerCommit = eventsPerCommit(store)
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
    if results.catchUpSeconds != nil {
        try expect(results.totalDeadLetters == failing.count, "dead letters: every 20th event dead-lettered (\(results.totalDeadLetters) of \(failing.count))")
    }
    await settle()
    return results
}

func printDeadLetterNotes(_ results: DeadLetterResults) {
    print("6: \(results.publishers) publishers awaiting bus.publish of \(grouped(results.events)) events, while a durable subscription")
    print("   (SubscriptionDispatcher(store:bus:), RetryPolicy.none) throws for every 20th event: 5% dead-lettered, each a write.")
    print(String(
        format: "   publishing: %@ over %.2f s; dead letters on record at its end: %@ (%@/s, %.0f%% of the %@/s needed); lag %@ events",
        rate(results.publishRate), results.publishSeconds, grouped(results.deadLettersAtEnd),
        grouped(Int(results.deadLetterRate.rounded())), 100 * results.deadLetterRate / (results.publishRate / 20),
        grouped(Int((results.publishRate / 20).rounded())), grouped(Int(results.lagAtEnd))
    ))
    let catchUp = results.catchUpSeconds.map { String(format: "%.2f s", $0) } ?? "not within \(Int(deadLetterCatchUpLimit)) s"
    print("   caught up with the head \(catchUp) after the last publish; \(grouped(results.totalDeadLetters)) dead letters in all"
        + (results.eventsPerCommit.map { String(format: "; %.1f events per commit", $0) } ?? ""))
}
