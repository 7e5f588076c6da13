import Foundation

/// `WebhookBenchmarks` options.
struct WebhookOptions {
    var endpoints = 100
    var events = 100
    var rounds = 5
    var directory = FileManager.default.temporaryDirectory
    /// Which sides run in the measured rounds (`ours`, `plain`), to profile one alone.
    var sides: Set<String> = ["ours", "plain"]
    /// The engine's storage: `sqlite` (a file, the default a host embeds) or `memory` (to see what the store costs).
    var storage = "sqlite"
    /// How long the receiver takes to answer, as a remote one would (0: at once, the CPU-bound case).
    var latencyMilliseconds = 0
    /// How many receiver hosts (127.0.0.1, .2, ...) the endpoints are spread over; a client
    /// keeps at most 8 connections per host, so one host caps both sides at 8 requests at a time.
    var hosts = 1

    /// `--help`, or a bad option with its message.
    struct Usage: Error {
        var text: String
        var isError: Bool
    }

    static let usage = """
        usage: WebhookBenchmarks [--endpoints N] [--events N] [--rounds R] [--sides ours,plain] [--storage sqlite|memory] [--latency-ms N] [--hosts N] [--dir PATH]
          --endpoints N  host-wide endpoints, each receiving every event (default 100)
          --events N     invoice.generated events published per run (default 100)
          --rounds R     measured rounds per side, order alternating (default 5)
          --sides LIST   which sides the measured rounds run, to profile one alone (default: ours,plain)
          --storage S    the engine's storage: sqlite (a file, default) or memory (what the store costs)
          --latency-ms N the receiver answers after N ms, as a remote one would (default 0: at once)
          --hosts N      spread the endpoints over N receiver hosts, 127.0.0.1 to 127.0.0.N (default 1; at most 100)
          --dir PATH     where the temporary SQLite files go (default: the system temp dir)
        """

    init(_ arguments: [String]) throws {
        var rest = arguments[...]
        while let option = rest.popFirst() {
            if option == "--help" || option == "-h" { throw Usage(text: Self.usage, isError: false) }
            guard let value = rest.popFirst() else { throw Usage(text: "error: \(option) needs a value\n" + Self.usage, isError: true) }
            func count() throws -> Int {
                guard let number = Int(value), number > 0 else { throw Usage(text: "error: \(option) takes a positive number\n" + Self.usage, isError: true) }
                return number
            }
            switch option {
            case "--endpoints": endpoints = try count()
            case "--events": events = try count()
            case "--rounds": rounds = try count()
            case "--dir": directory = URL(fileURLWithPath: value)
            case "--latency-ms":
                guard let number = Int(value), number >= 0 else { throw Usage(text: "error: --latency-ms takes 0 or more\n" + Self.usage, isError: true) }
                latencyMilliseconds = number
            case "--hosts":
                hosts = try count()
                guard hosts <= 100 else { throw Usage(text: "error: --hosts takes 1 to 100\n" + Self.usage, isError: true) }
            case "--storage":
                guard ["sqlite", "memory"].contains(value) else { throw Usage(text: "error: --storage takes sqlite or memory\n" + Self.usage, isError: true) }
                storage = value
            case "--sides":
                sides = Set(value.split(separator: ",").map(String.init))
                guard !sides.isEmpty, sides.isSubset(of: ["ours", "plain"]) else {
                    throw Usage(text: "error: --sides takes ours, plain or both\n" + Self.usage, isError: true)
                }
            default: throw Usage(text: "error: unknown option \(option)\n" + Self.usage, isError: true)
            }
        }
    }
}
