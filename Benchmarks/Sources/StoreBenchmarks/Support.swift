import BenchmarkSupport
import Foundation

/// Monotonic nanoseconds.
func nanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

/// Seconds taken by `body`.
func timed<Value>(_ body: () throws -> Value) rethrows -> (Value, Double) {
    let start = nanoseconds()
    let value = try body()
    return (value, Double(nanoseconds() - start) / 1e9)
}

/// Seconds taken by an async `body`.
func timedAsync<Value>(_ body: () async throws -> Value) async rethrows -> (Value, Double) {
    let start = nanoseconds()
    let value = try await body()
    return (value, Double(nanoseconds() - start) / 1e9)
}

/// Process CPU time and context switches, to tell CPU cost from waiting.
/// Process CPU time, context switches and file writes, to tell CPU cost from waiting
/// and from I/O volume.
struct Usage {
    var cpuSeconds: Double
    var voluntarySwitches: Int
    var involuntarySwitches: Int
    /// Bytes passed to write-type system calls (`wchar` in /proc/self/io).
    var writtenBytes: Int
    /// Write-type system calls (`syscw` in /proc/self/io).
    var writeCalls: Int

    static func now() -> Usage {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        let io = procSelfIO()
        return Usage(
            cpuSeconds: seconds(usage.ru_utime) + seconds(usage.ru_stime),
            voluntarySwitches: usage.ru_nvcsw,
            involuntarySwitches: usage.ru_nivcsw,
            writtenBytes: io["wchar"] ?? 0,
            writeCalls: io["syscw"] ?? 0
        )
    }

    static func + (lhs: Usage, rhs: Usage) -> Usage {
        Usage(
            cpuSeconds: lhs.cpuSeconds + rhs.cpuSeconds,
            voluntarySwitches: lhs.voluntarySwitches + rhs.voluntarySwitches,
            involuntarySwitches: lhs.involuntarySwitches + rhs.involuntarySwitches,
            writtenBytes: lhs.writtenBytes + rhs.writtenBytes,
            writeCalls: lhs.writeCalls + rhs.writeCalls
        )
    }

    static func - (lhs: Usage, rhs: Usage) -> Usage {
        Usage(
            cpuSeconds: lhs.cpuSeconds - rhs.cpuSeconds,
            voluntarySwitches: lhs.voluntarySwitches - rhs.voluntarySwitches,
            involuntarySwitches: lhs.involuntarySwitches - rhs.involuntarySwitches,
            writtenBytes: lhs.writtenBytes - rhs.writtenBytes,
            writeCalls: lhs.writeCalls - rhs.writeCalls
        )
    }
}

/// The counters of /proc/self/io (Linux); empty elsewhere.
func procSelfIO() -> [String: Int] {
    guard let text = try? String(contentsOfFile: "/proc/self/io", encoding: .utf8) else { return [:] }
    var values: [String: Int] = [:]
    for line in text.split(separator: "\n") {
        let parts = line.split(separator: ":")
        if parts.count == 2, let value = Int(parts[1].trimmingCharacters(in: .whitespaces)) {
            values[String(parts[0])] = value
        }
    }
    return values
}

/// Latency samples in nanoseconds.
struct Latencies {
    private(set) var sorted: [UInt64]

    init(_ samples: [UInt64]) {
        sorted = samples.sorted()
    }

    /// Nearest-rank percentile, `p` in 0...1.
    func percentile(_ p: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return Double(sorted[Swift.min(sorted.count - 1, Swift.max(0, rank - 1))])
    }

    var mean: Double {
        sorted.isEmpty ? .nan : Double(sorted.reduce(0, +)) / Double(sorted.count)
    }

    var max: Double {
        Double(sorted.last ?? 0)
    }
}

/// A line of `/proc/self/status` in KiB (`VmHWM`, `VmRSS`).
func procStatusKiB(_ key: String) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix(key + ":") {
        let digits = line.dropFirst(key.count + 1).filter(\.isNumber)
        return Int(digits)
    }
    return nil
}

func mebibytes(_ kib: Int?) -> String {
    guard let kib else { return "n/a" }
    return String(format: "%.0f MiB", Double(kib) / 1024)
}

func rate(_ value: Double) -> String {
    guard value.isFinite else { return "n/a" }
    return grouped(Int(value.rounded())) + " ev/s"
}

/// A duration in nanoseconds as µs (below 1 ms) or ms.
func duration(_ nanoseconds: Double) -> String {
    guard nanoseconds.isFinite else { return "n/a" }
    if nanoseconds < 1_000_000 {
        return String(format: "%.1f µs", nanoseconds / 1000)
    }
    return String(format: "%.2f ms", nanoseconds / 1_000_000)
}

/// A fresh directory for one run's databases, removed by ``remove()``.
struct ScratchDirectory {
    let url: URL

    init(parent: String?) throws {
        let base = parent.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? FileManager.default.temporaryDirectory
        url = base.appendingPathComponent("bilingus-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max))", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// A new database path in the directory.
    func database(_ name: String) -> String {
        url.appendingPathComponent(name + ".sqlite").path
    }

    /// Deletes a database and its WAL and shared-memory files.
    func delete(_ path: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            try? FileManager.default.removeItem(atPath: path + suffix)
        }
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}
