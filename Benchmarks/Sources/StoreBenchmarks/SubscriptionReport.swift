import BenchmarkSupport
import Foundation

// The report of the durable delivery scenarios (4 and 5).

// MARK: - Scenarios 4 and 5

func drainRows(_ drain: DrainResults) -> [TableRow] {
    var rows: [TableRow] = []
    for batch in drain.batches {
        let baselineRate = batch.baseline?.rate ?? .nan
        rows.append(TableRow(
            scenario: "4 drain \(grouped(drain.storeEvents)) events, batch \(grouped(batch.batchSize))",
            measure: "events/s",
            ours: rate(batch.ours?.rate ?? .nan), baseline: rate(baselineRate),
            ratio: ratio(batch.medianRatio ?? (batch.ours?.rate ?? .nan) / baselineRate),
            target: batch.ours == nil ? "" : "≥ 100,000 ev/s " + verdict(batch.meetsRate)
        ))
        rows.append(TableRow(
            scenario: "", measure: "RSS growth",
            ours: signedMebibytes(batch.ours?.memory.growth), baseline: signedMebibytes(batch.baseline?.memory.growth),
            ratio: "",
            target: batch.ours == nil ? "" : "< 64 MiB " + verdict((batch.ours?.memory.growth ?? .max) < drainGrowthTargetKiB)
        ))
        if let small = batch.oursSmall {
            rows.append(TableRow(
                scenario: "  backlog \(grouped(drain.smallBacklog))", measure: "events/s",
                ours: rate(small.rate), baseline: "", ratio: ratio(small.rate / baselineRate)
            ))
            rows.append(TableRow(
                scenario: "", measure: "RSS growth",
                ours: signedMebibytes(small.memory.growth), baseline: "", ratio: "",
                target: "×4 backlog adds < 8 MiB " + verdict(batch.meetsBacklog)
            ))
        }
        if let storage = batch.storageOnly {
            rows.append(TableRow(
                scenario: "  (info) head + read + cursor write per batch", measure: "events/s",
                ours: rate(storage.rate), baseline: "", ratio: ratio(storage.rate / baselineRate)
            ))
        }
    }
    return rows
}

func printDrainNotes(_ drain: DrainResults) {
    print("4: \(grouped(drain.storeEvents)) events built with store.append in batches at \(rate(Double(drain.storeEvents) / drain.setupSeconds)); database \(String(format: "%.0f", Double(drain.databaseBytes) / 1_048_576)) MiB.")
    print("   ours = a SubscriptionDispatcher in a ServiceGroup, one subscription to [\"*\"] with a no-op handler from the beginning,")
    print("   DurableSubscriptionOptions(batchSize:) otherwise default; timed from starting the group until the persisted cursor is at")
    print("   the head (graceful shutdown after). Baseline = store.events(matching: EventFilters(afterSequence:limit:)) in a loop, same")
    print("   batch size, nothing delivered: the cost of reading alone. Backlog \(grouped(drain.smallBacklog)) = a subscription starting after")
    print("   sequence \(grouped(drain.storeEvents - drain.smallBacklog)) of the same store. (info) = the worker's storage calls alone (headSequence,")
    print("   the batch read, the run and the cursor saved), no delivery. \(drain.rounds) round(s) of baseline and full drain back to back,")
    print("   order alternating; the median round is shown, and ours/baseline is the median of the rounds' ratios:")
    for batch in drain.batches where !batch.oursRounds.isEmpty || !batch.baselineRounds.isEmpty {
        func rates(_ runs: [DrainRun]) -> String { runs.map { rate($0.rate) }.joined(separator: ", ") }
        let ratios = zip(batch.oursRounds, batch.baselineRounds).map { ratio($0.rate / $1.rate).trimmingCharacters(in: .whitespaces) }
        print("     batch \(grouped(batch.batchSize)): ours \(rates(batch.oursRounds)); baseline \(rates(batch.baselineRounds)); ratios \(ratios.joined(separator: ", "))")
    }
    print("   RSS (heap trimmed before each run): before → peak (50 ms VmRSS samples / VmHWM reset at the start), after; growth = peak − before;")
    print("   released = seconds after the drain until RSS was back within \(quiesceSlackKiB / 1024) MiB (or 5% of the growth) of its start and steady")
    print("   (waited for, up to \(Int(quiesceLimitSeconds)) s, before the next run):")
    var lines: [(String, DrainRun)] = []
    for batch in drain.batches {
        let size = "batch " + grouped(batch.batchSize)
        if let ours = batch.ours { lines.append(("\(size) ours \(grouped(drain.storeEvents))", ours)) }
        if let small = batch.oursSmall { lines.append(("\(size) ours \(grouped(drain.smallBacklog))", small)) }
        if let baseline = batch.baseline { lines.append(("\(size) baseline", baseline)) }
        if let storage = batch.storageOnly { lines.append(("\(size) (info) storage", storage)) }
    }
    let width = lines.map(\.0.count).max() ?? 0
    func mib(_ kib: Int?) -> String { kib.map { String(format: "%.1f", Double($0) / 1024) } ?? "n/a" }
    for (label, run) in lines {
        var released = ""
        if run.released != nil || run.memory.growth.map({ $0 > quiesceSlackKiB }) == true {
            released = run.released.map { String(format: ", released after %.1f s", $0) } ?? ", not released within \(Int(quiesceLimitSeconds)) s"
        }
        print(String(
            format: "     %@  %@ → %@ / %@ MiB (%@), after %@ MiB%@; %5.2f s, %5.2f µs CPU and %.3f ctx switches per event",
            pad(label, width), mib(run.memory.before), mib(run.memory.sampledPeak), mib(run.memory.hwm),
            signedMebibytes(run.memory.growth), mib(run.memory.after), released, run.seconds, run.cpuMicrosecondsPerEvent,
            Double(run.usage.voluntarySwitches) / Double(run.events)
        ))
    }
}

func printLatencyNotes(_ latency: LatencyResults) {
    let events = (latency.ours ?? latency.baseline)?.published ?? 0
    print("5: one publisher, bus.publish(event) paced at \(grouped(latency.rate)) events/s by absolute deadlines for \(String(format: "%g", latency.seconds)) s")
    print("   (\(grouped(events)) events per side), each side on a fresh SQLite store. Ours = SubscriptionDispatcher(store:bus:) with one")
    print("   durable subscription to [\"*\"] (default options), woken by the bus; baseline = bus.subscribe(pattern: .all), the")
    print("   in-process inline handler (non-durable). Latency = the handler's ContinuousClock.now − the instant just before publish;")
    print("   the first second is warm-up (\(grouped(latency.ours?.measured ?? 0)) / \(grouped(latency.baseline?.measured ?? 0)) events measured).")
    for (label, side) in [("ours", latency.ours), ("baseline", latency.baseline)] {
        guard let side else { continue }
        print(String(
            format: "   %@ publish start behind schedule p50 %@, p99 %@, max %@; %.1f µs CPU, %.2f ctx switches per event%@",
            pad(label, 8), duration(side.lateness.percentile(0.5)), duration(side.lateness.percentile(0.99)),
            duration(side.lateness.max), side.cpuMicroseconds, side.switches,
            side.repeats > 0 ? ", \(side.repeats) repeated deliveries" : ""
        ))
    }
}
