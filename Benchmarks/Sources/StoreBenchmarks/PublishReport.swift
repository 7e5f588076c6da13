import BenchmarkSupport
import Foundation

// The report of the publishing scenarios (1 and 2): paired per-round ratios against
// each side, events per commit, and each side's rounds and per-event costs.

let singleRatioTarget = 0.95
let concurrentRatioTarget = 0.9
let concurrentOldSchemaTarget = 1.2
let eventsPerCommitTarget = 56.0

/// "0.93× (0.85–1.01)": the median of per-round ratios and their range.
func pairedRatio(_ ratios: [Double]) -> String {
    guard let low = ratios.min(), let high = ratios.max() else { return "n/a" }
    return ratio(medianOf(ratios)) + String(format: " (%.2f–%.2f)", low, high)
}

/// Scenario 1 or 2: ours against the raw baseline, then against each peer, as medians
/// of paired per-round ratios; events per commit; the breakdown variants.
func publishRows(
    _ results: PublishResults, title: String, baselineTarget: Double, oldSchemaTarget: Double?, perCommitTarget: Double?
) -> [TableRow] {
    let toBaseline = results.ours.ratios(to: results.baseline)
    var rows = [TableRow(
        scenario: title, measure: "events/s, vs raw (schema 4)",
        ours: rate(results.ours.median), baseline: rate(results.baseline.median), ratio: pairedRatio(toBaseline),
        target: String(format: "≥ %.2f× ", baselineTarget) + verdict(medianOf(toBaseline) >= baselineTarget)
    )]
    for peer in results.peers {
        let ratios = results.ours.ratios(to: peer.throughput)
        var target = ""
        if let oldSchemaTarget, peer.label.contains("old") {
            target = String(format: "≥ %.2f× ", oldSchemaTarget) + verdict(medianOf(ratios) >= oldSchemaTarget)
        }
        rows.append(TableRow(
            scenario: "", measure: "events/s, vs " + peer.label,
            ours: "", baseline: rate(peer.throughput.median), ratio: pairedRatio(ratios), target: target
        ))
    }
    if !results.eventsPerCommit.isEmpty {
        let perCommit = medianOf(results.eventsPerCommit)
        rows.append(TableRow(
            scenario: "", measure: "events per commit",
            ours: String(format: "%.1f", perCommit), baseline: "", ratio: "",
            target: perCommitTarget.map { String(format: "≥ %.0f ", $0) + verdict(perCommit >= $0) } ?? ""
        ))
    }
    rows += results.info.map { info in
        TableRow(
            scenario: "  " + info.label, measure: "events/s",
            ours: rate(info.throughput.median), baseline: "",
            ratio: ratio(info.throughput.median / results.baseline.median)
        )
    }
    return rows
}

func printRounds(_ results: PublishResults) {
    func list(_ throughput: Throughput) -> String {
        throughput.rounds.map { grouped(Int($0.rounded())) }.joined(separator: ", ")
    }
    func cost(_ throughput: Throughput) -> String {
        String(
            format: "%6.1f µs CPU  %5.2f ctx switches  %5.1f writes  %6.1f KiB written",
            medianOf(throughput.cpuMicroseconds), medianOf(throughput.switches),
            medianOf(throughput.writeCalls), medianOf(throughput.writtenBytes) / 1024
        )
    }
    var sides = [("ours", results.ours), ("raw, schema 4", results.baseline)]
    sides += results.peers.map { ($0.label, $0.throughput) }
    sides += results.info.map { ($0.label.replacingOccurrences(of: "(info) ", with: ""), $0.throughput) }
    sides = sides.filter { !$0.1.rounds.isEmpty }
    print("   rounds (ev/s) and per-event cost (process-wide, median):")
    let width = sides.map(\.0.count).max() ?? 0
    for (label, throughput) in sides {
        print("     " + pad(label, width) + "  " + pad("[" + list(throughput) + "]", 28) + cost(throughput))
    }
    if !results.eventsPerCommit.isEmpty {
        print("   ours, events per commit per round: " + results.eventsPerCommit.map { String(format: "%.1f", $0) }.joined(separator: ", "))
    }
    for (label, other) in [("raw, schema 4", results.baseline)] + results.peers.map({ ($0.label, $0.throughput) }) {
        let ratios = results.ours.ratios(to: other)
        guard !ratios.isEmpty else { continue }
        print("   ours ÷ \(label) per round: " + ratios.map { String(format: "%.2f", $0) }.joined(separator: ", "))
    }
}
