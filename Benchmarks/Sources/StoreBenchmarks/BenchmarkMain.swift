import BenchmarkSupport
import BillingCore
import BillingStore
import Foundation

/// Store benchmarks: our EventBus on SQLiteEventStore against the raw SQLite C API,
/// in one process, printed side by side with ratios and the targets.
@main
enum BenchmarkMain {
    static func main() async {
        let options: Options
        do {
            options = try Options(arguments: Array(CommandLine.arguments.dropFirst()))
        } catch {
            let message = (error as? OptionsError)?.message ?? "\(error)"
            if !message.isEmpty {
                FileHandle.standardError.write(Data(("error: " + message + "\n").utf8))
            }
            print(Options.usage)
            exit(message.isEmpty ? 0 : 2)
        }
        do {
            try await runBenchmarks(options)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            exit(1)
        }
    }
}

/// Runs the selected scenarios and prints the report. Nonisolated, so publishers and
/// readers run on the global executor like a server's tasks, not on the main actor.
func runBenchmarks(_ options: Options) async throws {
    let scratch = try ScratchDirectory(parent: options.directory)
    defer { scratch.remove() }

    #if DEBUG
    print("WARNING: this is a debug build; run Benchmarks/run (release) for real figures.\n")
    #endif

    var single: PublishResults?
    var concurrent: PublishResults?
    var reads: QueryResults?
    var drain: DrainResults?
    var latency: LatencyResults?
    var deadLetters: DeadLetterResults?
    var payloadBytes = 0
    var metadataBytes = 0
    var hwmAfter: [(String, Int?, Int?)] = []

    if options.scenarios.contains(1) {
        progress("single publisher: preparing \(grouped(options.singleEvents)) events")
        let events = Fixtures.events(0..<options.singleEvents, tag: "s1")
        let raw = RawRows(events)
        payloadBytes = raw.payloadBytes
        metadataBytes = raw.metadataBytes
        single = try await publishScenario(
            name: "single", events: events, raw: raw, publishers: 1, rowsPerTransaction: 1,
            options: options, scratch: scratch
        )
        hwmAfter.append(("scenario 1", Memory.runPeakKiB, procStatusKiB("VmRSS")))
    }
    if options.scenarios.contains(2) {
        progress("\(options.publishers) publishers: preparing \(grouped(options.concurrentEvents)) events")
        let events = Fixtures.events(0..<options.concurrentEvents, tag: "s2")
        let raw = RawRows(events)
        payloadBytes = raw.payloadBytes
        metadataBytes = raw.metadataBytes
        concurrent = try await publishScenario(
            name: "concurrent", events: events, raw: raw, publishers: options.publishers,
            rowsPerTransaction: options.publishers, options: options, scratch: scratch
        )
        hwmAfter.append(("scenario 2", Memory.runPeakKiB, procStatusKiB("VmRSS")))
    }
    if options.scenarios.contains(3) {
        reads = try await entityQueryScenario(options: options, scratch: scratch)
        hwmAfter.append(("scenario 3", Memory.runPeakKiB, procStatusKiB("VmRSS")))
    }
    if options.scenarios.contains(4) {
        drain = try await drainScenario(options: options, scratch: scratch)
        hwmAfter.append(("scenario 4", Memory.runPeakKiB, procStatusKiB("VmRSS")))
    }
    if options.scenarios.contains(5) {
        latency = try await latencyScenario(options: options, scratch: scratch)
        hwmAfter.append(("scenario 5", Memory.runPeakKiB, procStatusKiB("VmRSS")))
    }
    if options.scenarios.contains(6) {
        deadLetters = try await deadLetterScenario(options: options, scratch: scratch)
        hwmAfter.append(("scenario 6", Memory.runPeakKiB, procStatusKiB("VmRSS")))
    }

    printReport(
        options: options, single: single, concurrent: concurrent, reads: reads, drain: drain, latency: latency,
        deadLetters: deadLetters, payloadBytes: payloadBytes, metadataBytes: metadataBytes, hwmAfter: hwmAfter
    )
}

// MARK: - Report

struct TableRow {
    var scenario: String
    var measure: String
    var ours: String
    var baseline: String
    var ratio: String
    var target = ""
}

func verdict(_ met: Bool) -> String {
    met ? "PASS" : "MISS"
}

private func printReport(
    options: Options,
    single: PublishResults?,
    concurrent: PublishResults?,
    reads: QueryResults?,
    drain: DrainResults?,
    latency: LatencyResults?,
    deadLetters: DeadLetterResults?,
    payloadBytes: Int,
    metadataBytes: Int,
    hwmAfter: [(String, Int?, Int?)]
) {
    let info = ProcessInfo.processInfo
    print("Bilingus store benchmarks — SQLiteEventStore + EventBus (+ SubscriptionDispatcher) vs baselines")
    print("machine: \(info.activeProcessorCount) cores (\(info.processorCount) configured), SQLite \(RawDatabase.version), \(configuration)")
    if payloadBytes > 0 {
        print("events: payment.initiated, payload \(payloadBytes) B, metadata \(metadataBytes) B of canonical JSON (averages)")
    }
    print("throughput: median of \(options.rounds) round(s), each on a fresh database, order alternating; WAL, synchronous=NORMAL")
    print("")

    var rows: [TableRow] = []
    if let single {
        rows += publishRows(
            single, title: "1 single publisher, \(grouped(options.singleEvents)) events", baselineTarget: singleRatioTarget,
            oldSchemaTarget: nil, perCommitTarget: nil
        )
    }
    if let concurrent {
        rows += publishRows(
            concurrent, title: "2 \(options.publishers) publishers, \(grouped(options.concurrentEvents)) events",
            baselineTarget: concurrentRatioTarget, oldSchemaTarget: concurrentOldSchemaTarget, perCommitTarget: eventsPerCommitTarget
        )
    }
    if let reads {
        let title = "3 events(forEntity:), \(grouped(reads.storeEvents)) events"
        for (index, (label, p)) in [("p50", 0.50), ("p99", 0.99), ("p99.9", 0.999)].enumerated() {
            let ours = reads.ours.percentile(p)
            let baseline = reads.baseline.percentile(p)
            rows.append(TableRow(
                scenario: index == 0 ? title : "", measure: label + " latency",
                ours: duration(ours), baseline: duration(baseline),
                ratio: label == "p50" && !reads.blockRatios.isEmpty ? pairedRatio(reads.blockRatios) : ratio(ours / baseline),
                target: label == "p99" ? "< 1 ms " + verdict(ours < 1_000_000)
                    : label == "p50" ? "≤ 1.15× " + verdict(medianOf(reads.blockRatios) <= 1.15) : ""
            ))
        }
        rows.append(TableRow(
            scenario: "", measure: "mean latency",
            ours: duration(reads.ours.mean), baseline: duration(reads.baseline.mean),
            ratio: ratio(reads.ours.mean / reads.baseline.mean)
        ))
        for (label, latencies) in reads.info {
            for (index, (name, p)) in [("p50", 0.50), ("p99", 0.99)].enumerated() {
                rows.append(TableRow(
                    scenario: index == 0 ? "  " + label : "", measure: name + " latency",
                    ours: duration(latencies.percentile(p)), baseline: "",
                    ratio: ratio(latencies.percentile(p) / reads.baseline.percentile(p))
                ))
            }
        }
    }

    if let drain {
        rows += drainRows(drain)
    }
    if let latency {
        let title = "5 publish→durable delivery, \(grouped(latency.rate)) ev/s"
        for (index, (label, p)) in [("p50", 0.50), ("p99", 0.99), ("p99.9", 0.999), ("max", 1.0)].enumerated() {
            let ours = latency.ours?.latencies.percentile(p) ?? .nan
            let baseline = latency.baseline?.latencies.percentile(p) ?? .nan
            rows.append(TableRow(
                scenario: index == 0 ? title : "", measure: label + " latency",
                ours: duration(ours), baseline: duration(baseline), ratio: ratio(ours / baseline),
                target: label == "p99" && latency.ours != nil ? "< 5 ms " + verdict(ours < latencyP99Target) : ""
            ))
        }
        let oursRate = latency.ours?.achievedRate ?? .nan
        let baselineRate = latency.baseline?.achievedRate ?? .nan
        rows.append(TableRow(
            scenario: "", measure: "achieved rate",
            ours: rate(oursRate), baseline: rate(baselineRate), ratio: ratio(oursRate / baselineRate)
        ))
    }

    let header = TableRow(
        scenario: "Scenario", measure: "Measure", ours: "Ours", baseline: "Baseline", ratio: "Ours/baseline",
        target: "Target"
    )
    func width(_ column: KeyPath<TableRow, String>) -> Int {
        ([header] + rows).map { $0[keyPath: column].count }.max() ?? 0
    }
    let widths: [Int] = [width(\.scenario), width(\.measure), width(\.ours), width(\.baseline), width(\.ratio), width(\.target)]
    func line(_ row: TableRow, right: Bool = true) -> String {
        pad(row.scenario, widths[0]) + " | " + pad(row.measure, widths[1]) + " | "
            + pad(row.ours, widths[2], right: right) + " | " + pad(row.baseline, widths[3], right: right)
            + " | " + pad(row.ratio, widths[4], right: right) + " | " + row.target
    }
    print(line(header, right: false))
    print(widths.map { String(repeating: "-", count: $0) }.joined(separator: "-+-"))
    for row in rows {
        print(line(row))
    }

    print("")
    if let single {
        print("1: ours = EventBus(store: SQLiteEventStore(path:)).publish(event), 1 publisher awaiting each;")
        print("   raw = the store's insert prepared once, 1 row per prepared BEGIN IMMEDIATE/COMMIT, on schema 4 (hash index,")
        print("   wal_autocheckpoint 40,000) and on the old schema (unique index on the key text, 10,000); GRDB = a DatabasePool,")
        print("   one awaited pool.write with a cached statement per row. Ratios: ours ÷ side, per round, median (min–max).")
        printRounds(single)
    }
    if let concurrent {
        print("2: ours = \(options.publishers) tasks each awaiting publish of \(grouped(options.concurrentEvents / options.publishers)) events (group commit);")
        print("   publisher p publishes events p, p+\(options.publishers), p+\(2 * options.publishers), ... so arrival order follows ids and timestamps;")
        print("   raw = the same rows in order, \(options.publishers) per BEGIN IMMEDIATE/COMMIT (what an ideal group commit would write),")
        print("   on schema 4 and on the old schema; GRDB = \(options.publishers) tasks each awaiting pool.write per row, and the rows")
        print("   in pool.write batches of \(options.publishers) by hand. Ratios: ours ÷ side, per round, median (min–max).")
        printRounds(concurrent)
    }
    if let reads {
        print("3: \(grouped(reads.storeEvents)) events over \(grouped(options.entities)) entities (\(String(format: "%.1f", reads.rowsPerQuery)) rows per query),")
        print("   built with store.append in batches of \(grouped(options.setupBatch)) at \(rate(Double(reads.storeEvents) / reads.setupSeconds)); database \(String(format: "%.0f", Double(reads.databaseBytes) / 1_048_576)) MiB.")
        print("   \(grouped(options.queries)) sequential calls each, after \(grouped(min(1_000, options.queries))) warm-up calls; ours decodes BillingEvents,")
        print("   the baseline reads every column without building Swift values. Baseline plan: \(reads.baselinePlan.joined(separator: "; ")).")
        print("   max latency: ours \(duration(reads.ours.max)), baseline \(duration(reads.baseline.max)).")
        print("   sides interleaved in blocks of \(options.queryBlock) calls; ours ÷ baseline p50 per pair of blocks: \(pairedRatio(reads.blockRatios)).")
        print(String(
            format: "   per query (process-wide): ours %.1f µs CPU, %.2f context switches; baseline %.1f µs CPU, %.2f context switches",
            reads.oursUsage.cpu, reads.oursUsage.switches, reads.baselineUsage.cpu, reads.baselineUsage.switches
        ))
    }
    if let drain {
        printDrainNotes(drain)
    }
    if let latency {
        printLatencyNotes(latency)
    }
    if let deadLetters {
        printDeadLetterNotes(deadLetters)
    }

    print("")
    print("Targets")
    var targets: [(String, String, Bool)] = []
    if let concurrent {
        let r = medianOf(concurrent.ours.ratios(to: concurrent.baseline))
        targets.append(("group-commit publish ≥ 0.9× raw (schema 4), median of paired rounds", ratio(r), r >= concurrentRatioTarget))
        if let old = concurrent.peers.first(where: { $0.label.contains("old") }) {
            let r = medianOf(concurrent.ours.ratios(to: old.throughput))
            targets.append(("group-commit publish ≥ 1.2× raw (old schema), median of paired rounds", ratio(r), r >= concurrentOldSchemaTarget))
        }
        let perCommit = medianOf(concurrent.eventsPerCommit)
        targets.append(("group commit ≥ 56 events per commit", String(format: "%.1f", perCommit), perCommit >= eventsPerCommitTarget))
    }
    if let single {
        let r = medianOf(single.ours.ratios(to: single.baseline))
        targets.append(("single publisher ≥ 0.95× raw (schema 4), median of paired rounds", ratio(r), r >= singleRatioTarget))
    }
    if let reads {
        let p99 = reads.ours.percentile(0.99)
        targets.append(("events(forEntity:) p99 < 1 ms", duration(p99), p99 < 1_000_000))
    }
    if let drain {
        for batch in drain.batches {
            guard let ours = batch.ours else { continue }
            let size = "batch \(grouped(batch.batchSize))"
            targets.append(("durable drain ≥ 100,000 events/s (\(size))", rate(ours.rate), batch.meetsRate))
            targets.append((
                "durable drain RSS growth < 64 MiB (\(size))",
                signedMebibytes(ours.memory.growth) + " / " + signedMebibytes(batch.oursSmall?.memory.growth),
                batch.meetsGrowth
            ))
            targets.append((
                "durable drain RSS flat in the backlog (\(size))",
                signedMebibytes(batch.backlogSlopeKiB) + " for ×4", batch.meetsBacklog
            ))
        }
    }
    if let ours = latency?.ours, let latency {
        let p99 = ours.latencies.percentile(0.99)
        targets.append(("publish→durable delivery p99 < 5 ms at \(grouped(latency.rate)) ev/s", duration(p99), p99 < latencyP99Target))
    }
    let targetWidth = targets.map(\.0.count).max() ?? 0
    let valueWidth = targets.map(\.1.count).max() ?? 0
    for (name, value, met) in targets {
        print("  " + pad(name, targetWidth) + "  " + pad(value, valueWidth, right: true) + "  " + verdict(met))
    }

    print("")
    print("peak RSS (VmHWM): \(mebibytes(Memory.runPeakKiB))")
    for (scenario, peak, current) in hwmAfter {
        print("  after \(scenario): peak \(mebibytes(peak)), current RSS \(mebibytes(current))")
    }
    print("  (includes the benchmark's own pre-built events and pre-encoded baseline rows, held for the whole scenario;")
    print("   scenario 4 resets VmHWM around each drain, the figures above are the whole run's)")
    print("cores: \(info.activeProcessorCount)")
}

private var configuration: String {
    #if DEBUG
    "debug build"
    #else
    "release build"
    #endif
}
