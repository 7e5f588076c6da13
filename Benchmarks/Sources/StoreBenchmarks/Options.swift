/// Command-line options; every size has the default the targets are stated for.
struct Options {
    var singleEvents = 20_000
    var concurrentEvents = 200_000
    var publishers = 64
    var storeEvents = 1_000_000
    var entities = 100_000
    var queries = 10_000
    var setupBatch = 1_000
    var rounds = 3
    var drainRounds = 3
    /// Backlog of scenario 4 (a second drain takes a quarter of it).
    var drainEvents = 1_000_000
    /// Batch sizes of the durable subscription in scenario 4.
    var drainBatchSizes = [100, 1_000]
    /// Publishing time of scenario 5, warm-up included.
    var latencySeconds = 10.0
    /// Paced publishes per second in scenario 5.
    var rate = 5_000
    var scenarios: Set<Int> = [1, 2, 3, 4, 5, 6]
    /// Events published in scenario 6 (dead letters under load).
    var deadLetterEvents = 100_000
    /// Calls per block in scenario 3: the sides alternate block by block.
    var queryBlock = 100
    var breakdown = true
    /// Which sides of scenarios 1, 2, 4 and 5 run (for profiling one side alone).
    var sides: Set<String> = ["ours", "baseline", "grdb", "info"]
    var directory: String?

    static let usage = """
        Usage: StoreBenchmarks [options]
          --single N        events for scenario 1, one awaiting publisher (default 20000)
          --concurrent N    events for scenario 2, concurrent publishers (default 200000)
          --publishers P    publishers in scenario 2 and baseline rows per transaction (default 64)
          --store N         events in the scenario 3 store (default 1000000)
          --entities N      distinct entity ids in the scenario 3 store (default 100000)
          --queries N       timed events(forEntity:tenant:) calls (default 10000)
          --rounds R        rounds of scenarios 1 and 2, alternating order; medians are reported (default 3)
          --drain-rounds R  rounds of scenario 4's baseline and full drain, back to back, alternating order;
                            the median round is reported, with the median ours/baseline ratio (default 3)
          --drain N         backlog drained by the durable subscriber in scenario 4 (default 1000000;
                            a second drain takes N/4, to show whether memory grows with the backlog)
          --drain-batches LIST  batch sizes of the scenario 4 subscription (default 100,1000)
          --latency-seconds S   paced publishing time of scenario 5, 1 s warm-up included (default 10)
          --rate R          publishes per second in scenario 5 (default 5000)
          --dead-letter-events N  events published in scenario 6, 5% dead-lettered (default 100000)
          --query-block N   scenario 3 calls per block; the two sides alternate block by block (default 100)
          --only LIST       scenarios to run, e.g. --only 1,3 (default 1,2,3,4,5,6)
          --no-breakdown    skip the informational "(info)" breakdown rows
          --sides LIST      sides of scenarios 1, 2, 4 and 5 to run, for profiling one alone:
                            any of ours,baseline,grdb,info (default all; info = the breakdown rows)
          --dir PATH        where the temporary databases go (default: the system temp dir)
        """

    init(arguments: [String]) throws {
        var iterator = arguments.makeIterator()
        func number(_ flag: String) throws -> Int {
            guard let text = iterator.next(), let value = Int(text.replacingOccurrences(of: "_", with: "")), value > 0 else {
                throw OptionsError(message: "\(flag) needs a positive integer")
            }
            return value
        }
        while let argument = iterator.next() {
            switch argument {
            case "--single": singleEvents = try number(argument)
            case "--concurrent": concurrentEvents = try number(argument)
            case "--publishers": publishers = try number(argument)
            case "--store": storeEvents = try number(argument)
            case "--entities": entities = try number(argument)
            case "--queries": queries = try number(argument)
            case "--setup-batch": setupBatch = try number(argument)
            case "--rounds": rounds = try number(argument)
            case "--drain-rounds": drainRounds = try number(argument)
            case "--drain":
                drainEvents = try number(argument)
                guard drainEvents >= 4 else { throw OptionsError(message: "--drain needs at least 4 events") }
            case "--drain-batches":
                guard let list = iterator.next() else { throw OptionsError(message: "--drain-batches needs a list such as 100,1000") }
                drainBatchSizes = list.split(separator: ",").compactMap { Int($0.replacingOccurrences(of: "_", with: "")) }.filter { $0 > 0 }
                guard !drainBatchSizes.isEmpty else { throw OptionsError(message: "--drain-batches takes positive batch sizes") }
            case "--latency-seconds":
                guard let text = iterator.next(), let value = Double(text), value > 1 else {
                    throw OptionsError(message: "--latency-seconds needs a number of seconds above 1 (the first second is warm-up)")
                }
                latencySeconds = value
            case "--rate": rate = try number(argument)
            case "--dead-letter-events": deadLetterEvents = try number(argument)
            case "--query-block": queryBlock = try number(argument)
            case "--no-breakdown": breakdown = false
            case "--sides":
                guard let list = iterator.next() else { throw OptionsError(message: "--sides needs a list such as ours,baseline") }
                sides = Set(list.split(separator: ",").map(String.init)).intersection(["ours", "baseline", "grdb", "info"])
                guard !sides.isEmpty else { throw OptionsError(message: "--sides takes ours, baseline and info") }
            case "--only":
                guard let list = iterator.next() else { throw OptionsError(message: "--only needs a list such as 1,3") }
                scenarios = Set(list.split(separator: ",").compactMap { Int($0) }.filter { (1...6).contains($0) })
                guard !scenarios.isEmpty else { throw OptionsError(message: "--only takes scenario numbers 1 to 5") }
            case "--dir":
                guard let path = iterator.next() else { throw OptionsError(message: "--dir needs a path") }
                directory = path
            case "-h", "--help":
                throw OptionsError(message: "")
            default:
                throw OptionsError(message: "unknown argument \(argument)")
            }
        }
        entities = min(entities, storeEvents)
        if !breakdown { sides.remove("info") }
    }
}

struct OptionsError: Error {
    let message: String
}
