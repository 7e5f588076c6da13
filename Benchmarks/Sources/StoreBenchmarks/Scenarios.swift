import BenchmarkSupport
import BillingCore
import BillingStore
import Foundation
import GRDB

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

    /// `self ÷ other` for each round both ran (the sides of a round run back to back).
    func ratios(to other: Throughput) -> [Double] {
        zip(rounds, other.rounds).map { $0 / $1 }
    }

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
    /// The raw C API on the store's current schema.
    var baseline = Throughput()
    /// Other sides ours is compared with, round by round: the raw C API on the old
    /// schema, and GRDB. In print order.
    var peers: [InfoThroughput] = []
    /// Breakdown variants, in print order (`--no-breakdown` skips them).
    var info: [InfoThroughput] = []
    /// Ours: appended events per commit of the store's writer, per round (nil: not measurable).
    var eventsPerCommit: [Double] = []
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
    /// Ours ÷ baseline p50, per pair of interleaved blocks.
    var blockRatios: [Double] = []
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
        for schema in RawSchema.allCases {
            let key = schema == .current ? "baseline" : "baseline-old"
            let label = schema == .current ? "raw, schema 4" : "raw, old schema"
            sides.append((key, label, { path in
                try schema.create(at: path)
                let database = try RawDatabase(path: path, walAutocheckpoint: schema.walAutocheckpoint)
                let inserter = try RawInserter(database, schema: schema)
                let before = Usage.now()
                let (inserted, seconds) = try timed { try inserter.insertAll(raw, rowsPerTransaction: rowsPerTransaction) }
                let usage = Usage.now() - before
                try expect(inserted == count && (try database.count()) == count, "\(name): the \(label) baseline stored every row")
                return (seconds, usage)
            }))
        }
    }
    if options.sides.contains("grdb") {
        let arguments = GRDBPeer.arguments(raw)
        let argumentSlices: [[StatementArguments]] = (0..<publishers).map { publisher in
            Array(stride(from: publisher, to: count, by: publishers).map { arguments[$0] })
        }
        let label = publishers == 1 ? "GRDB, 1 awaiting writer" : "GRDB, \(publishers) awaiting writers"
        sides.append(("grdb", label, { path in
            let peer = try GRDBPeer(path: path)
            let result = try await publishConcurrently(argumentSlices) { try await peer.insert($0) }
            try expect(try await peer.count() == count, "\(name): GRDB stored every row")
            return result
        }))
        if publishers > 1 {
            let batches = stride(from: 0, to: count, by: rowsPerTransaction).map { Array(arguments[$0..<min(count, $0 + rowsPerTransaction)]) }
            sides.append(("grdb-batched", "GRDB, batches of \(rowsPerTransaction) by hand", { path in
                let peer = try GRDBPeer(path: path)
                let result = try await publishConcurrently([batches]) { try await peer.insert($0) }
                try expect(try await peer.count() == count, "\(name): GRDB stored every row")
                return result
            }))
        }
    }
    var epc: [Double] = []
    if options.sides.contains("ours") {
        sides.append(("ours", "ours", { path in
            let store = try SQLiteEventStore(path: path)
            let bus = EventBus(store: store)
            let result = try await publishConcurrently(slices) { try await bus.publish($0) }
            try expect(try await store.headSequence() == Int64(count), "\(name): the bus stored every event")
            if let perCommit = eventsPerCommit(store) { epc.append(perCommit) }
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
                try RawSchema.current.create(at: path)
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
            // The checkpoint interval alone: schema 4 with the old interval.
            sides.append(("raw-wal10k", "(info) raw, schema 4, wal_autocheckpoint 10,000", { path in
                try RawSchema.current.create(at: path)
                let database = try RawDatabase(path: path, walAutocheckpoint: RawSchema.old.walAutocheckpoint)
                let inserter = try RawInserter(database, schema: .current)
                let before = Usage.now()
                let (inserted, seconds) = try timed { try inserter.insertAll(raw, rowsPerTransaction: rowsPerTransaction) }
                let usage = Usage.now() - before
                try expect(inserted == count, "\(name): the schema 4 raw variant stored every row")
                return (seconds, usage)
            }))
            for (key, label, memory) in [
                ("raw-savepoint", "(info) baseline + SAVEPOINT per row", false),
                ("raw-savepoint-mem", "(info) + temp_store=MEMORY", true),
            ] {
                sides.append((key, label, { path in
                    try RawSchema.current.create(at: path)
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
    results.eventsPerCommit = epc
    let peerKeys: Set = ["baseline-old", "grdb", "grdb-batched"]
    for side in sides where side.key != "ours" && side.key != "baseline" {
        let entry = InfoThroughput(label: side.label, throughput: measured[side.key] ?? Throughput())
        if peerKeys.contains(side.key) { results.peers.append(entry) } else { results.info.append(entry) }
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
    var blockRatios: [Double] = []
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

        // The sides alternate in blocks of `queryBlock` calls (which goes first alternating
        // too), so a burst of load on the machine lands on both sides alike, and each pair
        // of blocks gives a paired ratio of medians.
        progress("entity reads: \(grouped(queries.count)) events(forEntity:tenant:) calls and as many raw SELECTs, interleaved in blocks of \(options.queryBlock)")
        ourSamples.reserveCapacity(queries.count)
        baselineSamples.reserveCapacity(queries.count)
        var oursTotal = Usage.now() - Usage.now()
        var baselineTotal = oursTotal
        var blockStart = 0
        var blockIndex = 0
        while blockStart < queries.count {
            let block = queries[blockStart..<min(queries.count, blockStart + options.queryBlock)]
            var oursBlock: [UInt64] = []
            var baselineBlock: [UInt64] = []
            for side in blockIndex % 2 == 0 ? [0, 1] : [1, 0] {
                let before = Usage.now()
                for entity in block {
                    let start = nanoseconds()
                    if side == 0 {
                        let events = try await store.events(forEntity: entity, tenant: .any)
                        oursBlock.append(nanoseconds() - start)
                        ourRows += events.count
                    } else {
                        let rows = try baseline.run(entity)
                        baselineBlock.append(nanoseconds() - start)
                        baselineRows += rows
                    }
                }
                if side == 0 { oursTotal = oursTotal + (Usage.now() - before) } else { baselineTotal = baselineTotal + (Usage.now() - before) }
            }
            blockRatios.append(Latencies(oursBlock).percentile(0.5) / Latencies(baselineBlock).percentile(0.5))
            ourSamples += oursBlock
            baselineSamples += baselineBlock
            blockStart += options.queryBlock
            blockIndex += 1
        }
        oursUsage = perQuery(oursTotal, queries.count)
        baselineUsage = perQuery(baselineTotal, queries.count)

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
        baselineUsage: baselineUsage,
        blockRatios: blockRatios
    )
}
