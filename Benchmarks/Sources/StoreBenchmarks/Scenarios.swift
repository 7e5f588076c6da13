import BillingCore
import BillingStore
import Foundation

/// Events per second over rounds (each round on a fresh database).
struct Throughput {
    var rounds: [Double] = []
    var median: Double { medianOf(rounds) }
}

struct PublishResults {
    var ours = Throughput()
    var baseline = Throughput()
    /// `SQLiteEventStore.append` called directly, without the bus (informational).
    var storeOnly = Throughput()
}

struct QueryResults {
    var storeEvents = 0
    var setupSeconds = 0.0
    var ours: Latencies
    var baseline: Latencies
    var rowsPerQuery = 0.0
    var baselinePlan: [String] = []
    var databaseBytes: Int64 = 0
}

/// Lets a closed store's connections finish closing (a WAL checkpoint) before the next
/// measurement starts.
func settle() async {
    try? await Task.sleep(for: .milliseconds(200))
}

func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    guard condition else { throw RawSQLiteError(description: "check failed: " + message()) }
}

// MARK: - Publishing (scenarios 1 and 2)

/// Publishes `slices` concurrently (one task per slice, each awaiting every publish)
/// through `publish`; returns the elapsed seconds.
func publishConcurrently(
    _ slices: [[BillingEvent]],
    _ publish: @escaping @Sendable (BillingEvent) async throws -> Void
) async throws -> Double {
    let (_, seconds) = try await timedAsync {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for slice in slices {
                group.addTask {
                    for event in slice {
                        try await publish(event)
                    }
                }
            }
            try await group.waitForAll()
        }
    }
    return seconds
}

/// One publishing scenario: ours through EventBus (and, for the breakdown, the bare
/// store), the baseline through raw SQLite with `rowsPerTransaction` rows per commit.
func publishScenario(
    name: String,
    events: [BillingEvent],
    raw: RawRows,
    publishers: Int,
    rowsPerTransaction: Int,
    options: Options,
    scratch: ScratchDirectory
) async throws -> PublishResults {
    var results = PublishResults()
    let count = events.count
    // Contiguous slices, one per publisher, made before any clock starts.
    let slices: [[BillingEvent]] = (0..<publishers).map { index in
        Array(events[(index * count / publishers)..<((index + 1) * count / publishers)])
    }

    func runOurs(_ round: Int) async throws -> Double {
        let path = scratch.database("\(name)-bus-\(round)")
        defer { scratch.delete(path) }
        let seconds: Double
        do {
            let store = try SQLiteEventStore(path: path)
            let bus = EventBus(store: store)
            seconds = try await publishConcurrently(slices) { try await bus.publish($0) }
            try expect(try await store.headSequence() == Int64(count), "\(name): the bus stored every event")
        }
        await settle()
        return Double(count) / seconds
    }

    func runStoreOnly(_ round: Int) async throws -> Double {
        let path = scratch.database("\(name)-store-\(round)")
        defer { scratch.delete(path) }
        let seconds: Double
        do {
            let store = try SQLiteEventStore(path: path)
            seconds = try await publishConcurrently(slices) { _ = try await store.append([$0]) }
            try expect(try await store.headSequence() == Int64(count), "\(name): the store stored every event")
        }
        await settle()
        return Double(count) / seconds
    }

    func runBaseline(_ round: Int) throws -> Double {
        let path = scratch.database("\(name)-raw-\(round)")
        defer { scratch.delete(path) }
        let seconds: Double
        do {
            let database = try RawDatabase(path: path)
            try database.createSchema()
            let inserter = try RawInserter(database)
            let (inserted, elapsed) = try timed { try inserter.insertAll(raw, rowsPerTransaction: rowsPerTransaction) }
            try expect(inserted == count && (try database.count()) == count, "\(name): the baseline stored every row")
            seconds = elapsed
        }
        return Double(count) / seconds
    }

    for round in 0..<options.rounds {
        progress("\(name): round \(round + 1) of \(options.rounds)")
        // Alternate which side goes first, so neither always gets the warmer machine.
        if round % 2 == 0 {
            results.baseline.rounds.append(try runBaseline(round))
            results.ours.rounds.append(try await runOurs(round))
            if options.breakdown { results.storeOnly.rounds.append(try await runStoreOnly(round)) }
        } else {
            if options.breakdown { results.storeOnly.rounds.append(try await runStoreOnly(round)) }
            results.ours.rounds.append(try await runOurs(round))
            results.baseline.rounds.append(try runBaseline(round))
        }
        await settle()
    }
    return results
}

// MARK: - Entity reads (scenario 3)

func entityQueryScenario(options: Options, scratch: ScratchDirectory) async throws -> QueryResults {
    let path = scratch.database("entity-reads")
    defer { scratch.delete(path) }
    let total = options.storeEvents
    let entities = options.entities
    let batch = options.setupBatch

    // Query order: the same seeded random entities for ours and the baseline.
    var random = SplitMix64(seed: 0x5EED_0003)
    let queries = (0..<options.queries).map { _ in Fixtures.entityId(Int(random.next() % UInt64(entities))) }
    let warmUp = (0..<min(1_000, options.queries)).map { _ in Fixtures.entityId(Int(random.next() % UInt64(entities))) }

    var ourSamples: [UInt64] = []
    var baselineSamples: [UInt64] = []
    var ourRows = 0
    var baselineRows = 0
    var setupSeconds = 0.0
    var plan: [String] = []
    var databaseBytes: Int64 = 0

    do {
        let store = try SQLiteEventStore(path: path)

        // Setup: `store.append` in batches, two appenders so encoding overlaps commits.
        progress("entity reads: building a \(grouped(total))-event store (\(grouped(entities)) entities)")
        let batches = (total + batch - 1) / batch
        (_, setupSeconds) = try await timedAsync {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<2 {
                    group.addTask {
                        var index = worker
                        while index < batches {
                            let range = (index * batch)..<min(total, (index + 1) * batch)
                            let events = range.map { Fixtures.event($0, tag: "q", entity: $0 % entities) }
                            _ = try await store.append(events)
                            index += 2
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        try expect(try await store.headSequence() == Int64(total), "entity reads: the store holds every event")
        databaseBytes = Int64(((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.int64Value ?? 0)

        let database = try RawDatabase(path: path)
        let baseline = try RawEntityQuery(database)
        plan = try database.queryPlan(EventsSchema.byEntity)

        progress("entity reads: warming up")
        for entity in warmUp {
            _ = try await store.getEventsByEntity(entity)
            _ = try baseline.run(entity)
        }

        progress("entity reads: \(grouped(queries.count)) getEventsByEntity calls")
        ourSamples.reserveCapacity(queries.count)
        for entity in queries {
            let start = nanoseconds()
            let events = try await store.getEventsByEntity(entity)
            ourSamples.append(nanoseconds() - start)
            ourRows += events.count
        }

        progress("entity reads: \(grouped(queries.count)) raw SELECTs")
        baselineSamples.reserveCapacity(queries.count)
        for entity in queries {
            let start = nanoseconds()
            let rows = try baseline.run(entity)
            baselineSamples.append(nanoseconds() - start)
            baselineRows += rows
        }
        try expect(ourRows == baselineRows, "entity reads: both sides read the same rows (\(ourRows) vs \(baselineRows))")
    }
    await settle()
    return QueryResults(
        storeEvents: total,
        setupSeconds: setupSeconds,
        ours: Latencies(ourSamples),
        baseline: Latencies(baselineSamples),
        rowsPerQuery: Double(ourRows) / Double(max(1, queries.count)),
        baselinePlan: plan,
        databaseBytes: databaseBytes
    )
}
