import BillingCore
import BillingStore
import Foundation

/// Creates the schema under test the way the store does, by running its migrations
/// on the file, so the baseline never measures a schema that has drifted from ours.
func createStoreSchema(at path: String) throws {
    _ = try SQLiteEventStore(path: path)
}

/// Events per second over rounds (each round on a fresh database).
struct Throughput {
    var rounds: [Double] = []
    /// Process CPU time (user + system, all threads) per event, in µs, per round.
    var cpuMicroseconds: [Double] = []
    /// Voluntary context switches per event (a thread blocked or waited), per round.
    var switches: [Double] = []
    /// Bytes written to files (WAL, database, temp files) per event, per round.
    var writtenBytes: [Double] = []
    /// Write system calls per event, per round.
    var writeCalls: [Double] = []
    var median: Double { medianOf(rounds) }

    mutating func record(events: Int, seconds: Double, usage: Usage) {
        rounds.append(Double(events) / seconds)
        cpuMicroseconds.append(usage.cpuSeconds * 1e6 / Double(events))
        switches.append(Double(usage.voluntarySwitches) / Double(events))
        writtenBytes.append(Double(usage.writtenBytes) / Double(events))
        writeCalls.append(Double(usage.writeCalls) / Double(events))
    }
}

/// One row of informational breakdown: a variant that isolates one cost.
struct InfoThroughput {
    let label: String
    var throughput = Throughput()
}

struct PublishResults {
    var ours = Throughput()
    var baseline = Throughput()
    /// Breakdown variants, in print order (`--no-breakdown` skips them).
    var info: [InfoThroughput] = []
}

struct QueryResults {
    var storeEvents = 0
    var setupSeconds = 0.0
    var ours: Latencies
    var baseline: Latencies
    /// Breakdown variants of the baseline query.
    var info: [(label: String, latencies: Latencies)] = []
    var rowsPerQuery = 0.0
    var baselinePlan: [String] = []
    var databaseBytes: Int64 = 0
    /// CPU µs and voluntary context switches per query, process-wide.
    var oursUsage = (cpu: 0.0, switches: 0.0)
    var baselineUsage = (cpu: 0.0, switches: 0.0)
}

/// Lets a closed store's connections finish closing (a WAL checkpoint) before the next
/// measurement starts.
func settle() async {
    try? await Task.sleep(for: .milliseconds(200))
}

func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    guard condition else { throw RawSQLiteError(description: "check failed: " + message()) }
}

/// Runs blocking baseline work on a serial dispatch queue, one awaited hop per call:
/// the same thread hand-off SQLiteWriter and SQLiteReaderPool make, without their Swift work.
final class QueueHop: @unchecked Sendable {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    func run<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}

/// Non-Sendable baseline objects handed to the one queue that uses them.
final class Confined<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

// MARK: - Publishing (scenarios 1 and 2)

/// Publishes `slices` concurrently (one task per slice, each awaiting every publish)
/// through `publish`; returns the elapsed seconds and the process's CPU use.
func publishConcurrently<Element: Sendable>(
    _ slices: [[Element]],
    _ publish: @escaping @Sendable (Element) async throws -> Void
) async throws -> (Double, Usage) {
    let before = Usage.now()
    let (_, seconds) = try await timedAsync {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for slice in slices {
                group.addTask {
                    for element in slice {
                        try await publish(element)
                    }
                }
            }
            try await group.waitForAll()
        }
    }
    return (seconds, Usage.now() - before)
}

/// One publishing scenario: ours through EventBus, the baseline through raw SQLite with
/// `rowsPerTransaction` rows per commit, and (with the breakdown) variants in between.
func publishScenario(
    name: String,
    events: [BillingEvent],
    raw: RawRows,
    publishers: Int,
    rowsPerTransaction: Int,
    options: Options,
    scratch: ScratchDirectory
) async throws -> PublishResults {
    let count = events.count
    // Publisher p takes events p, p + publishers, p + 2 × publishers, ...: events arrive at
    // the store roughly in index order, the order of their ids and timestamps, as events
    // stamped at publish time do. Made before any clock starts.
    let slices: [[BillingEvent]] = (0..<publishers).map { publisher in
        Array(stride(from: publisher, to: count, by: publishers).map { events[$0] })
    }

    // Each side: a label and a run that returns (seconds, usage) on a fresh database.
    typealias Run = (String) async throws -> (Double, Usage)
    var sides: [(key: String, label: String, run: Run)] = []

    if options.sides.contains("baseline") {
        sides.append(("baseline", "baseline", { path in
            try createStoreSchema(at: path)
            let database = try RawDatabase(path: path)
            let inserter = try RawInserter(database)
            let before = Usage.now()
            let (inserted, seconds) = try timed { try inserter.insertAll(raw, rowsPerTransaction: rowsPerTransaction) }
            let usage = Usage.now() - before
            try expect(inserted == count && (try database.count()) == count, "\(name): the baseline stored every row")
            return (seconds, usage)
        }))
    }
    if options.sides.contains("ours") {
        sides.append(("ours", "ours", { path in
            let store = try SQLiteEventStore(path: path)
            let bus = EventBus(store: store)
            let result = try await publishConcurrently(slices) { try await bus.publish($0) }
            try expect(try await store.headSequence() == Int64(count), "\(name): the bus stored every event")
            return result
        }))
    }
    if options.sides.contains("info") {
        sides.append(("store", "(info) store.append, no bus", { path in
            let store = try SQLiteEventStore(path: path)
            let result = try await publishConcurrently(slices) { _ = try await store.append([$0]) }
            try expect(try await store.headSequence() == Int64(count), "\(name): the store stored every event")
            return result
        }))
        if publishers == 1 {
            sides.append(("raw-hop", "(info) baseline + writer-queue hop", { path in
                try createStoreSchema(at: path)
                let database = try RawDatabase(path: path)
                let inserter = Confined(try RawInserter(database))
                let rows = Confined(raw)
                let hop = QueueHop(label: "bench.raw.writer")
                let indices = [Array(0..<count)]
                let result = try await publishConcurrently(indices) { index in
                    _ = try await hop.run { try inserter.value.insert(rows.value, index..<(index + 1)) }
                }
                try expect((try database.count()) == count, "\(name): the hop variant stored every row")
                return result
            }))
        } else {
            for (key, label, memory) in [
                ("raw-savepoint", "(info) baseline + SAVEPOINT per row", false),
                ("raw-savepoint-mem", "(info) + temp_store=MEMORY", true),
            ] {
                sides.append((key, label, { path in
                    try createStoreSchema(at: path)
                    let database = try RawDatabase(path: path, tempStoreMemory: memory)
                    let inserter = try RawInserter(database, mode: .savepointPerRow)
                    let before = Usage.now()
                    let (inserted, seconds) = try timed { try inserter.insertAll(raw, rowsPerTransaction: rowsPerTransaction) }
                    let usage = Usage.now() - before
                    try expect(inserted == count, "\(name): the savepoint variant stored every row")
                    return (seconds, usage)
                }))
            }
        }
    }

    var measured: [String: Throughput] = [:]
    for round in 0..<options.rounds {
        progress("\(name): round \(round + 1) of \(options.rounds)")
        // Alternate the order, so no side always gets the warmer (or more tired) machine.
        let order = round % 2 == 0 ? sides : sides.reversed()
        for side in order {
            let path = scratch.database("\(name)-\(side.key)-\(round)")
            let (seconds, usage) = try await side.run(path)
            // The side's connections are closed once `run` returns (nothing keeps them).
            await settle()
            scratch.delete(path)
            measured[side.key, default: Throughput()].record(events: count, seconds: seconds, usage: usage)
        }
    }

    var results = PublishResults()
    results.ours = measured["ours"] ?? Throughput()
    results.baseline = measured["baseline"] ?? Throughput()
    for side in sides where side.key != "ours" && side.key != "baseline" {
        results.info.append(InfoThroughput(label: side.label, throughput: measured[side.key] ?? Throughput()))
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
    var oursUsage = (cpu: 0.0, switches: 0.0)
    var baselineUsage = (cpu: 0.0, switches: 0.0)
    var info: [(label: String, latencies: Latencies)] = []
    func perQuery(_ usage: Usage, _ count: Int) -> (cpu: Double, switches: Double) {
        (usage.cpuSeconds * 1e6 / Double(count), Double(usage.voluntarySwitches) / Double(count))
    }

    do {
        let store = try SQLiteEventStore(path: path)

        progress("entity reads: building a \(grouped(total))-event store (\(grouped(entities)) entities)")
        setupSeconds = try await fillStore(store, total: total, batch: batch, tag: "q", entities: entities)
        try expect(try await store.headSequence() == Int64(total), "entity reads: the store holds every event")
        databaseBytes = Int64(((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.int64Value ?? 0)

        let database = try RawDatabase(path: path)
        let baseline = try RawEntityQuery(database)
        plan = try database.queryPlan(EventsSchema.byEntity)

        progress("entity reads: warming up")
        for entity in warmUp {
            _ = try await store.events(forEntity: entity, tenant: .any)
            _ = try baseline.run(entity)
        }

        progress("entity reads: \(grouped(queries.count)) events(forEntity:tenant:) calls")
        ourSamples.reserveCapacity(queries.count)
        var before = Usage.now()
        for entity in queries {
            let start = nanoseconds()
            let events = try await store.events(forEntity: entity, tenant: .any)
            ourSamples.append(nanoseconds() - start)
            ourRows += events.count
        }
        oursUsage = perQuery(Usage.now() - before, queries.count)

        progress("entity reads: \(grouped(queries.count)) raw SELECTs")
        baselineSamples.reserveCapacity(queries.count)
        before = Usage.now()
        for entity in queries {
            let start = nanoseconds()
            let rows = try baseline.run(entity)
            baselineSamples.append(nanoseconds() - start)
            baselineRows += rows
        }
        baselineUsage = perQuery(Usage.now() - before, queries.count)

        if options.breakdown {
            progress("entity reads: breakdown variants")
            let hop = QueueHop(label: "bench.raw.reader")
            let confined = Confined(baseline)
            var hopSamples: [UInt64] = []
            var decodeSamples: [UInt64] = []
            var decodedRows = 0
            for entity in queries {
                let start = nanoseconds()
                _ = try await hop.run { try confined.value.run(entity) }
                hopSamples.append(nanoseconds() - start)
            }
            for entity in queries {
                let start = nanoseconds()
                decodedRows += try baseline.runDecoding(entity).count
                decodeSamples.append(nanoseconds() - start)
            }
            try expect(decodedRows == baselineRows, "entity reads: the decoding variant read the same rows")
            info = [
                ("(info) baseline + reader-queue hop", Latencies(hopSamples)),
                ("(info) baseline + BillingEvent decode", Latencies(decodeSamples)),
            ]
        }
        try expect(ourRows == baselineRows, "entity reads: both sides read the same rows (\(ourRows) vs \(baselineRows))")
    }
    await settle()
    return QueryResults(
        storeEvents: total,
        setupSeconds: setupSeconds,
        ours: Latencies(ourSamples),
        baseline: Latencies(baselineSamples),
        info: info,
        rowsPerQuery: Double(ourRows) / Double(max(1, queries.count)),
        baselinePlan: plan,
        databaseBytes: databaseBytes,
        oursUsage: oursUsage,
        baselineUsage: baselineUsage
    )
}
