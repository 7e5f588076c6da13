import BenchmarkSupport
import BillingCore
import BillingStore
import CSQLiteBaseline
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

// Scenarios 4 and 5: the durable delivery engine (SubscriptionDispatcher) on SQLite.

/// Service-group logs stay out of the report (the dispatcher keeps its default logger).
let quietLogger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })

// MARK: - Memory

/// Resident-memory measurements (Linux `/proc/self/status`).
enum Memory {
    /// The highest VmHWM seen before any ``resetPeak()``, so the run's peak survives resets.
    private static let peakBeforeResets = Mutex(0)

    /// The process's peak RSS over the whole run (VmHWM, across resets), in KiB.
    static var runPeakKiB: Int? {
        guard let current = procStatusKiB("VmHWM") else { return nil }
        return max(current, peakBeforeResets.withLock { $0 })
    }

    /// Hands freed heap back to the kernel (glibc `malloc_trim`), so RSS before a
    /// measurement counts live memory only and a measurement cannot hide its growth
    /// in memory an earlier one freed.
    static func trim() {
        #if os(Linux)
        _ = malloc_trim(0)
        #endif
    }

    /// Resets VmHWM to the current RSS (writes 5 to `/proc/self/clear_refs`); returns
    /// whether the kernel accepted it.
    static func resetPeak() -> Bool {
        if let hwm = procStatusKiB("VmHWM") {
            peakBeforeResets.withLock { $0 = max($0, hwm) }
        }
        let descriptor = open("/proc/self/clear_refs", O_WRONLY)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return write(descriptor, "5", 1) == 1
    }
}

/// Samples VmRSS every 50 ms on a thread of its own, keeping the peak.
final class RSSSampler: Sendable {
    private struct State {
        var peak = 0
        var samples = 0
        var stopped = false
    }

    private let state = Mutex(State())

    func start() {
        let thread = Thread { [self] in
            while true {
                let rss = procStatusKiB("VmRSS") ?? 0
                let stopped = state.withLock { state -> Bool in
                    state.peak = max(state.peak, rss)
                    state.samples += 1
                    return state.stopped
                }
                if stopped { return }
                usleep(50_000)
            }
        }
        thread.start()
    }

    /// Stops sampling (after one last sample) and returns the peak in KiB.
    func stop() -> (peak: Int, samples: Int) {
        let rss = procStatusKiB("VmRSS") ?? 0
        return state.withLock { state in
            state.stopped = true
            state.peak = max(state.peak, rss)
            state.samples += 1
            return (state.peak, state.samples)
        }
    }
}

/// RSS around one measurement, in KiB.
struct MemoryWindow {
    /// VmRSS just before (after `malloc_trim`).
    var before: Int?
    /// The highest 50 ms VmRSS sample.
    var sampledPeak: Int?
    /// VmHWM at the end, reset just before the start (nil if the reset failed).
    var hwm: Int?
    /// VmRSS at the end.
    var after: Int?
    var samples = 0

    var peak: Int? {
        [sampledPeak, hwm].compactMap { $0 }.max()
    }

    var growth: Int? {
        guard let peak, let before else { return nil }
        return peak - before
    }
}

/// Runs `body` with its RSS watched: trimmed heap before, VmHWM reset, VmRSS sampled.
func measuringMemory<Value>(_ body: () async throws -> Value) async rethrows -> (Value, MemoryWindow) {
    Memory.trim()
    var window = MemoryWindow()
    window.before = procStatusKiB("VmRSS")
    let reset = Memory.resetPeak()
    let sampler = RSSSampler()
    sampler.start()
    let value = try await body()
    let (peak, samples) = sampler.stop()
    window.sampledPeak = peak
    window.samples = samples
    window.hwm = reset ? procStatusKiB("VmHWM") : nil
    window.after = procStatusKiB("VmRSS")
    return (value, window)
}

func signedMebibytes(_ kib: Int?) -> String {
    guard let kib else { return "n/a" }
    return String(format: "%+.1f MiB", Double(kib) / 1024)
}

// MARK: - Drain (scenario 4)

/// Counts handler calls; `wait(for:)` returns when a count is reached.
final class DeliveryCounter: Sendable {
    private let count = Atomic<Int>(0)

    @inline(__always)
    func delivered() {
        count.wrappingAdd(1, ordering: .relaxed)
    }

    var value: Int {
        count.load(ordering: .relaxed)
    }
}

/// One timed drain (or read loop) of a backlog.
struct DrainRun {
    var events: Int
    var seconds: Double
    var usage: Usage
    var memory: MemoryWindow
    /// Batches read (the loop's queries).
    var batches = 0
    /// Seconds after the drain until RSS was back within ``quiesceSlackKiB`` of its start
    /// (`nil`: not within ``quiesceLimitSeconds``).
    var released: Double?

    var rate: Double { Double(events) / seconds }
    var cpuMicrosecondsPerEvent: Double { usage.cpuSeconds * 1e6 / Double(events) }
}

/// Scenario 4 at one batch size.
struct DrainBatchResults {
    var batchSize: Int
    /// The durable subscriber draining the whole backlog, from the beginning: every
    /// round's run, in order.
    var oursRounds: [DrainRun] = []
    /// `store.events(matching:)` in batches over the same events, nothing delivered,
    /// each round just before or after the round's drain (alternating).
    var baselineRounds: [DrainRun] = []
    /// The durable subscriber draining the last quarter of the store.
    var oursSmall: DrainRun?
    /// The worker's storage work alone: head + batch read + cursor write per batch.
    var storageOnly: DrainRun?
}

struct DrainResults {
    var rounds = 1
    var storeEvents = 0
    var smallBacklog = 0
    var setupSeconds = 0.0
    var databaseBytes: Int64 = 0
    var batches: [DrainBatchResults] = []
}

/// Whether RSS at the full backlog grew by less than this much more than at a quarter of it.
let backlogGrowthToleranceKiB = 8 * 1024
/// The RSS growth target of a drain.
let drainGrowthTargetKiB = 64 * 1024
let drainRateTarget = 100_000.0

extension DrainBatchResults {
    /// The round with the median rate (its memory and CPU figures are the ones shown).
    var ours: DrainRun? { medianRun(oursRounds) }
    var baseline: DrainRun? { medianRun(baselineRounds) }
    /// The median of the rounds' ours/baseline ratios (each round's two sides ran back to back).
    var medianRatio: Double? {
        guard !oursRounds.isEmpty, oursRounds.count == baselineRounds.count else { return nil }
        return medianOf(zip(oursRounds, baselineRounds).map { $0.rate / $1.rate })
    }

    /// RSS growth at the full backlog minus at a quarter of it, in KiB.
    var backlogSlopeKiB: Int? {
        guard let full = ours?.memory.growth, let small = oursSmall?.memory.growth else { return nil }
        return full - small
    }

    var meetsRate: Bool { (ours?.rate ?? 0) >= drainRateTarget }
    var meetsGrowth: Bool {
        (ours?.memory.growth ?? .max) < drainGrowthTargetKiB && (oursSmall?.memory.growth ?? .max) < drainGrowthTargetKiB
    }
    var meetsBacklog: Bool { (backlogSlopeKiB ?? .max) < backlogGrowthToleranceKiB }
}

func drainScenario(options: Options, scratch: ScratchDirectory) async throws -> DrainResults {
    let path = scratch.database("drain")
    defer { scratch.delete(path) }
    let total = options.drainEvents
    let small = total / 4
    var results = DrainResults(rounds: options.drainRounds, storeEvents: total, smallBacklog: small)
    results.batches = options.drainBatchSizes.map { DrainBatchResults(batchSize: $0) }

    do {
        let store = try SQLiteEventStore(path: path)
        progress("drain: building a \(grouped(total))-event store")
        results.setupSeconds = try await fillStore(store, total: total, batch: options.setupBatch, tag: "d")
        let head = try await store.headSequence()
        try expect(head == Int64(total), "drain: the store holds every event")
        results.databaseBytes = Int64(((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.int64Value ?? 0)
        // Write back the build's dirty pages now, not during a measurement.
        sync()
        // Warm the OS page cache once, so the first measured side does not pay for it.
        progress("drain: warming the page cache")
        _ = try await readLoop(store, after: 0, head: head, batchSize: 1_000)

        for (index, batchSize) in options.drainBatchSizes.enumerated() {
            if options.sides.contains("info") {
                progress("drain, batch \(grouped(batchSize)): (info) head + read + cursor write per batch")
                let storage = try await storageLoop(store, name: "info-\(batchSize)", head: head, batchSize: batchSize)
                try expect(storage.events == total, "drain: the storage loop read every event")
                results.batches[index].storageOnly = storage
                await settle()
            }
        }
        for (index, batchSize) in options.drainBatchSizes.enumerated() {
            // Rounds of the baseline and the full drain back to back, the order
            // alternating, so a slow spell of the machine falls on both sides alike.
            for round in 0..<options.drainRounds {
                let baselineFirst = round % 2 == 0
                for side in baselineFirst ? ["baseline", "ours"] : ["ours", "baseline"] where options.sides.contains(side) {
                    let label = "drain, batch \(grouped(batchSize)), round \(round + 1) of \(options.drainRounds)"
                    if side == "baseline" {
                        progress("\(label): baseline read loop over \(grouped(total)) events")
                        let baseline = try await readLoop(store, after: 0, head: head, batchSize: batchSize)
                        try expect(baseline.events == total, "drain: the read loop read every event")
                        results.batches[index].baselineRounds.append(baseline)
                        await settle()
                    } else {
                        progress("\(label): durable subscriber, \(grouped(total)) events")
                        var ours = try await durableDrain(
                            store, name: "drain-\(batchSize)-\(round)", start: .beginning, expected: total, head: head, batchSize: batchSize
                        )
                        ours.released = await quiesce(after: ours)
                        results.batches[index].oursRounds.append(ours)
                    }
                }
            }
            guard options.sides.contains("ours") else { continue }

            progress("drain, batch \(grouped(batchSize)): durable subscriber, \(grouped(small)) events")
            var oursSmall = try await durableDrain(
                store, name: "drain-small-\(batchSize)", start: .afterSequence(head - Int64(small)), expected: small,
                head: head, batchSize: batchSize
            )
            oursSmall.released = await quiesce(after: oursSmall)
            results.batches[index].oursSmall = oursSmall
        }
    }
    await settle()
    return results
}

/// RSS a drain may keep over its start and still count as released.
let quiesceSlackKiB = 8 * 1024
/// The longest wait for a drain's memory to be released (the default delivery timeout is 30 s).
let quiesceLimitSeconds = 60.0

/// Waits until RSS (heap trimmed) is back near the drain's start — within
/// ``quiesceSlackKiB`` or 5% of the drain's growth, whichever is more (a fragmented heap
/// keeps a little) — and, if the drain grew by more than the slack, has stopped falling
/// (samples within 1 MiB for 2 s), so the next measurement starts from the same state.
/// Returns the seconds until then, or `nil` after ``quiesceLimitSeconds``. A delivery
/// engine that leaves work behind a drain (timers still pending, say) is waited for here
/// instead of disturbing the next measurement.
func quiesce(after run: DrainRun) async -> Double? {
    guard let start = run.memory.before else { return nil }
    let growth = run.memory.growth ?? 0
    let mustSettle = growth > quiesceSlackKiB
    let allowance = max(quiesceSlackKiB, growth / 20)
    let began = nanoseconds()
    var stableSince: (rss: Int, at: UInt64)?
    var announced = false
    while true {
        Memory.trim()
        let now = nanoseconds()
        let waited = Double(now - began) / 1e9
        if let rss = procStatusKiB("VmRSS"), rss <= start + allowance {
            if !mustSettle { return waited }
            if let stable = stableSince, abs(rss - stable.rss) < 1024 {
                if now - stable.at >= 2_000_000_000 { return Double(stable.at - began) / 1e9 }
            } else {
                stableSince = (rss, now)
            }
        } else {
            stableSince = nil
        }
        if waited > quiesceLimitSeconds { return nil }
        if !announced {
            progress("drain: waiting for the dispatcher's memory to be released")
            announced = true
        }
        try? await Task.sleep(for: .milliseconds(250))
    }
}

/// A loop's result with its elapsed seconds and the process's CPU use over it.
struct Measured<Value> {
    var value: Value
    var seconds: Double
    var usage: Usage
}

/// Times `body` (monotonic clock and process CPU), inside the memory window.
func measured<Value>(_ body: () async throws -> Value) async rethrows -> Measured<Value> {
    let before = Usage.now()
    let began = nanoseconds()
    let value = try await body()
    let seconds = Double(nanoseconds() - began) / 1e9
    return Measured(value: value, seconds: seconds, usage: Usage.now() - before)
}

/// The baseline: the cost of reading alone, the same batches the worker reads.
func readLoop(_ store: SQLiteEventStore, after start: Int64, head: Int64, batchSize: Int) async throws -> DrainRun {
    let (run, memory) = try await measuringMemory {
        try await measured {
            var cursor = start
            var events = 0
            var batches = 0
            while cursor < head {
                let batch = try await store.events(matching: EventFilters(afterSequence: cursor, limit: batchSize))
                guard let last = batch.last?.sequence else { break }
                events += batch.count
                batches += 1
                cursor = last
            }
            return (events, batches)
        }
    }
    return DrainRun(events: run.value.0, seconds: run.seconds, usage: run.usage, memory: memory, batches: run.value.1)
}

/// The subscription loop's storage work without delivery: per batch, `headSequence`,
/// the read, the run of first attempts recorded before delivery and the cursor after
/// (both `saveProgress` under a lease), as `DeliveryPipeline` does when every write
/// lands at once. The real loop coalesces cursor writes, so it may write less.
func storageLoop(_ store: SQLiteEventStore, name: String, head: Int64, batchSize: Int) async throws -> DrainRun {
    _ = try await store.registerSubscription(name: name, patterns: [.all], initialCursor: 0, at: Date())
    guard let lease = try await store.acquireLease(
        subscription: name, owner: "benchmark-\(name)", until: Date().addingTimeInterval(3600), now: Date()
    ) else { throw RawSQLiteError(description: "check failed: storage loop: no lease on \(name)") }
    let (run, memory) = try await measuringMemory {
        try await measured {
            var cursor: Int64 = 0
            var events = 0
            var batches = 0
            while cursor < head {
                _ = try await store.headSequence()
                let batch = try await store.events(
                    matching: EventFilters(typePatterns: [.all], afterSequence: cursor, limit: batchSize)
                )
                guard let first = batch.first?.sequence, let last = batch.last?.sequence else { break }
                try await store.saveProgress(cursor: cursor, inFlightRun: first...last, lease: lease, at: Date())
                events += batch.count
                batches += 1
                try await store.saveProgress(cursor: last, inFlightRun: nil, lease: lease, at: Date())
                cursor = last
            }
            return (events, batches)
        }
    }
    return DrainRun(events: run.value.0, seconds: run.seconds, usage: run.usage, memory: memory, batches: run.value.1)
}

/// Starts a dispatcher with one no-op subscription to `*` and times it until its
/// persisted cursor reaches `head`, then shuts it down gracefully (inside the memory
/// window, outside the clock).
func durableDrain(
    _ store: SQLiteEventStore,
    name: String,
    start: DurableSubscriptionOptions.StartPosition,
    expected: Int,
    head: Int64,
    batchSize: Int
) async throws -> DrainRun {
    let counter = DeliveryCounter()
    let dispatcher = SubscriptionDispatcher(store: store)
    try await dispatcher.subscribe(
        name, to: [.all], options: DurableSubscriptionOptions(batchSize: batchSize, startPosition: start)
    ) { _ in
        counter.delivered()
    }
    let group = ServiceGroup(services: [dispatcher], logger: quietLogger)

    let (run, memory) = try await measuringMemory {
        try await withThrowingTaskGroup(of: Void.self) { tasks -> Measured<Void> in
            let run = try await measured {
                tasks.addTask { try await group.run() }
                // Every handler call counted (an atomic read every 2 ms: no load on the store) ...
                var lastCount = 0
                var lastProgress = nanoseconds()
                while true {
                    let count = counter.value
                    if count >= expected { break }
                    if count != lastCount {
                        lastCount = count
                        lastProgress = nanoseconds()
                    } else if nanoseconds() - lastProgress > 60_000_000_000 {
                        await group.triggerGracefulShutdown()
                        throw RawSQLiteError(description: "check failed: drain \(name): no delivery for 60 s at \(count) of \(expected)")
                    }
                    try await Task.sleep(for: .milliseconds(2))
                }
                // ... then the persisted cursor at the head (polled every millisecond).
                while try await store.subscription(named: name)?.cursor ?? 0 < head {
                    try await Task.sleep(for: .milliseconds(1))
                }
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return run
        }
    }
    try expect(counter.value == expected, "drain \(name): every event delivered once (\(counter.value) of \(expected))")
    return DrainRun(events: expected, seconds: run.seconds, usage: run.usage, memory: memory)
}

// MARK: - Publish-to-delivery latency (scenario 5)

/// Records when each event reaches a handler, by its index in the published sequence.
final class ArrivalRecorder: Sendable {
    private struct State {
        var arrivals: [ContinuousClock.Instant?]
        var count = 0
        var repeats = 0
    }

    private let index: [EventID: Int]
    private let state: Mutex<State>

    init(_ events: [BillingEvent]) {
        var index: [EventID: Int] = [:]
        index.reserveCapacity(events.count)
        for (offset, event) in events.enumerated() {
            index[event.id] = offset
        }
        self.index = index
        state = Mutex(State(arrivals: Array(repeating: nil, count: events.count)))
    }

    /// Called by the handler: the instant first, then the bookkeeping.
    func record(_ event: BillingEvent) {
        let now = ContinuousClock.now
        guard let offset = index[event.id] else { return }
        state.withLock { state in
            if state.arrivals[offset] == nil {
                state.arrivals[offset] = now
                state.count += 1
            } else {
                state.repeats += 1
            }
        }
    }

    var count: Int { state.withLock { $0.count } }
    var repeats: Int { state.withLock { $0.repeats } }
    var arrivals: [ContinuousClock.Instant?] { state.withLock { $0.arrivals } }
}

/// One side of scenario 5.
struct LatencySide {
    /// Handler instant − publish start, in ns, for events published after the warm-up.
    var latencies: Latencies
    var measured = 0
    var published = 0
    /// Events published per second, first publish to last.
    var achievedRate = 0.0
    /// How late each publish started against its scheduled instant, in ns (all events).
    var lateness: Latencies
    /// Process CPU time per event, in µs (publisher, store, delivery, all threads).
    var cpuMicroseconds = 0.0
    var switches = 0.0
    var repeats = 0
}

struct LatencyResults {
    var rate = 0
    var seconds = 0.0
    var ours: LatencySide?
    var baseline: LatencySide?
}

let latencyP99Target = 5_000_000.0

func nanoseconds(_ duration: Duration) -> Int64 {
    let (seconds, attoseconds) = duration.components
    return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
}

func latencyScenario(options: Options, scratch: ScratchDirectory) async throws -> LatencyResults {
    let count = max(2, Int((Double(options.rate) * options.latencySeconds).rounded()))
    progress("latency: preparing \(grouped(count)) events for each side")
    let durableEvents = options.sides.contains("ours") ? Fixtures.events(0..<count, tag: "l-durable") : []
    let inlineEvents = options.sides.contains("baseline") ? Fixtures.events(0..<count, tag: "l-inline") : []

    var results = LatencyResults(rate: options.rate, seconds: options.latencySeconds)
    if options.sides.contains("baseline") {
        progress("latency: baseline, inline bus.subscribe handler, \(grouped(options.rate)) events/s for \(options.latencySeconds) s")
        results.baseline = try await latencySide(events: inlineEvents, durable: false, options: options, scratch: scratch)
        await settle()
    }
    if options.sides.contains("ours") {
        progress("latency: durable subscription, \(grouped(options.rate)) events/s for \(options.latencySeconds) s")
        results.ours = try await latencySide(events: durableEvents, durable: true, options: options, scratch: scratch)
        await settle()
    }
    return results
}

/// Publishes `events` one at a time, paced at `options.rate` by absolute deadlines,
/// through a bus on a fresh SQLite store; a durable subscription (woken by the bus)
/// or an inline handler records each arrival.
func latencySide(events: [BillingEvent], durable: Bool, options: Options, scratch: ScratchDirectory) async throws -> LatencySide {
    let path = scratch.database(durable ? "latency-durable" : "latency-inline")
    defer { scratch.delete(path) }
    let recorder = ArrivalRecorder(events)
    let count = events.count
    // Earlier scenarios' dirty pages (scenario 4 writes a large store) are written back now,
    // not while the publisher's commits are timed.
    sync()
    var starts: [ContinuousClock.Instant] = []
    starts.reserveCapacity(count)
    var lateness: [UInt64] = []
    lateness.reserveCapacity(count)
    var usage = Usage.now()

    do {
        let store = try SQLiteEventStore(path: path)
        let bus = EventBus(store: store)
        var services: [any Service] = [bus]
        if durable {
            let dispatcher = SubscriptionDispatcher(store: store, bus: bus)
            try await dispatcher.subscribe("latency", to: [.all]) { event in
                recorder.record(event)
            }
            services.append(dispatcher)
        } else {
            bus.subscribe(pattern: .all, name: "latency") { event in
                recorder.record(event)
            }
        }
        let group = ServiceGroup(services: services, logger: quietLogger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            // Let the subscription loop start and go idle, waiting for a publish.
            try await Task.sleep(for: .milliseconds(200))

            let before = Usage.now()
            let clock = ContinuousClock()
            let interval = Duration.seconds(1) / options.rate
            let origin = clock.now + .milliseconds(1)
            for (offset, event) in events.enumerated() {
                let deadline = origin + interval * offset
                if clock.now < deadline {
                    try await Task.sleep(until: deadline, clock: clock)
                }
                let start = clock.now
                starts.append(start)
                lateness.append(UInt64(max(0, nanoseconds(start - deadline))))
                try await bus.publish(event)
            }
            // Every event delivered (or 30 s without progress).
            var lastCount = -1
            var lastProgress = nanoseconds()
            while recorder.count < count {
                let delivered = recorder.count
                if delivered != lastCount {
                    lastCount = delivered
                    lastProgress = nanoseconds()
                } else if nanoseconds() - lastProgress > 30_000_000_000 {
                    break
                }
                try await Task.sleep(for: .milliseconds(5))
            }
            usage = Usage.now() - before
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
    try expect(
        recorder.count == count,
        "latency (\(durable ? "durable" : "inline")): every published event reached the handler (\(recorder.count) of \(count))"
    )

    let arrivals = recorder.arrivals
    let warmUpEnd = starts[0] + .seconds(1)
    var samples: [UInt64] = []
    samples.reserveCapacity(count)
    for offset in 0..<count where starts[offset] >= warmUpEnd {
        guard let arrival = arrivals[offset] else { continue }
        samples.append(UInt64(max(0, nanoseconds(arrival - starts[offset]))))
    }
    let span = Double(nanoseconds(starts[count - 1] - starts[0])) / 1e9
    return LatencySide(
        latencies: Latencies(samples),
        measured: samples.count,
        published: count,
        achievedRate: Double(count - 1) / span,
        lateness: Latencies(lateness),
        cpuMicroseconds: usage.cpuSeconds * 1e6 / Double(count),
        switches: Double(usage.voluntarySwitches) / Double(count),
        repeats: recorder.repeats
    )
}

/// The run with the median rate (the lower middle one of an even count).
func medianRun(_ runs: [DrainRun]) -> DrainRun? {
    guard !runs.isEmpty else { return nil }
    return runs.sorted { $0.rate < $1.rate }[(runs.count - 1) / 2]
}
