import BenchmarkSupport
import Bilingus
import Foundation
import Logging

/// Webhook delivery throughput: `BillingEngine` delivering every event to 100 endpoints
/// on a local receiver, against a plain AsyncHTTPClient POST loop sending the same
/// requests, in one process, round by round with the order alternating; prints
/// deliveries/s, the ratio per round and the median ratio against the target (0.8×).
@main
enum WebhookBenchmarkMain {
    static let target = 0.8

    static func main() async {
        do {
            let options = try WebhookOptions(Array(CommandLine.arguments.dropFirst()))
            try await run(options)
        } catch let error as WebhookOptions.Usage {
            print(error.text)
            exit(error.isError ? 2 : 0)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            exit(1)
        }
    }

    static func run(_ options: WebhookOptions) async throws {
        #if DEBUG
        print("WARNING: this is a debug build; run Benchmarks/run-webhooks (release) for real figures.\n")
        #endif
        var logger = Logger(label: "webhook-benchmark")
        logger.logLevel = .warning
        let receiver = try await BenchmarkReceiver.start(latency: .milliseconds(options.latencyMilliseconds), hosts: options.hosts)
        let events = try InvoiceEvents.make(options.events)
        let expected = options.events * options.endpoints
        let ours = EngineSide(endpoints: options.endpoints, directory: options.directory, inMemory: options.storage == "memory", logger: logger)
        let plain = PlainLoopSide(concurrency: WebhookConfiguration().maxConcurrentRequests)

        // A warm-up run of ours, not counted, captures the requests the plain loop sends.
        progress("warm-up: \(grouped(expected)) deliveries through the engine, capturing the requests")
        receiver.reset(capturing: true)
        _ = try await ours.run(events, to: receiver)
        let requests = firstOfEachDelivery(receiver.captured())
        guard requests.count == expected else { throw BenchmarkFailure("the warm-up delivered \(requests.count) of \(expected)") }

        var rounds: [(ours: Double, plain: Double)] = []
        for round in 0..<options.rounds {
            var oursRate = 0.0
            var plainRate = 0.0
            for side in round.isMultiple(of: 2) ? ["ours", "plain"] : ["plain", "ours"] where options.sides.contains(side) {
                receiver.reset(capturing: false)
                if side == "ours" {
                    let elapsed = try await ours.run(events, to: receiver)
                    oursRate = Double(expected) / elapsed.seconds
                } else {
                    let elapsed = try await plain.run(requests)
                    let counts = receiver.counts
                    guard counts.received == expected, counts.deliveries == expected else {
                        throw BenchmarkFailure("the plain loop: \(counts.received) requests, \(counts.deliveries) distinct, of \(expected)")
                    }
                    plainRate = Double(expected) / elapsed.seconds
                }
                progress("round \(round + 1), \(side): done")
            }
            rounds.append((oursRate, plainRate))
            if options.sides.count < 2 { print("round \(round + 1): engine \(grouped(Int(oursRate)))/s, plain loop \(grouped(Int(plainRate)))/s") }
        }
        try await receiver.stop()
        if options.sides.count == 2 { report(options, rounds) }
    }

    /// One request per (path, webhook-id): a repeat in the warm-up is not sent twice.
    static func firstOfEachDelivery(_ requests: [BenchmarkReceiver.Request]) -> [BenchmarkReceiver.Request] {
        var seen = Set<String>()
        return requests.filter { request in
            let id = request.headers.first { $0.0.lowercased() == "webhook-id" }?.1 ?? ""
            return seen.insert(request.path + " " + id).inserted
        }
    }

    static func report(_ options: WebhookOptions, _ rounds: [(ours: Double, plain: Double)]) {
        let answer = options.latencyMilliseconds == 0 ? "answering at once" : "answering after \(options.latencyMilliseconds) ms"
        print(
            "Webhook delivery: \(options.events) invoice.generated events × \(options.endpoints) endpoints = \(grouped(options.events * options.endpoints)) deliveries per side and round, to a receiver on \(options.hosts == 1 ? "one host" : "\(options.hosts) hosts") \(answer); engine on \(options.storage)"
        )
        print("")
        print("round  engine (deliveries/s)  plain loop (deliveries/s)  ratio")
        for (index, round) in rounds.enumerated() {
            print(pad("\(index + 1)", 7) + pad(grouped(Int(round.ours)), 23) + pad(grouped(Int(round.plain)), 27) + ratio(round.ours / round.plain))
        }
        let median = medianOf(rounds.map { $0.ours / $0.plain })
        print("")
        print(
            "median ratio \(ratio(median)) (engine \(grouped(Int(medianOf(rounds.map(\.ours)))))/s, plain loop \(grouped(Int(medianOf(rounds.map(\.plain)))))/s, medians); "
                + "target ≥ \(ratio(target)): \(median >= target ? "PASS" : "MISS")")
    }
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
