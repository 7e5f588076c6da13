// A child process for durability tests: it publishes through a real EventBus on a
// SQLite file and reports each publish that returned, one line at a time, so the
// parent test can kill it at any moment and check what survived.
//
//   BilingusTestHelper publish-loop <path>            publish batches forever
//   BilingusTestHelper publish-count <path> <n> <tag> publish n events, then exit
//   BilingusTestHelper consume-loop <path>            publish and consume through durable subscriptions forever
//   BilingusTestHelper consume-drain <path>           consume until every subscription is caught up, then shut down
import BillingCore
import BillingStore
import Foundation
import Logging
import ServiceLifecycle

/// Writes a line straight to the file descriptor: no buffer can hold back an
/// acknowledgement when the process is killed.
func report(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: BilingusTestHelper publish-loop|publish-count <path> ...\n".utf8))
    exit(2)
}
let path = arguments[2]
do {
    let store = try SQLiteEventStore(path: path)
    var quiet = Logger(label: "helper")
    quiet.logLevel = .critical
    let bus = EventBus(store: store, logger: quiet)
    switch arguments[1] {
    case "publish-loop":
        // Batches of 1 to 5 events. Each line: "ok <batch-id> <size> <sequence>…".
        let process = ProcessInfo.processInfo.processIdentifier
        var batchNumber = 0
        while true {
            batchNumber += 1
            let batchID = "\(process)-\(batchNumber)"
            let size = batchNumber % 5 + 1
            let events = (0..<size).map { index in
                BillingEvent(
                    type: .paymentInitiated,
                    payload: ["batch": .string(batchID), "size": .int(Int64(size)), "index": .int(Int64(index))],
                    entityId: "batch-\(batchID)"
                )
            }
            let stored = try await bus.publish(events)
            report("ok \(batchID) \(size) " + stored.map { "\($0.event.sequence ?? -1)" }.joined(separator: " "))
        }
    case "publish-count":
        guard arguments.count == 5, let count = Int(arguments[3]) else { exit(2) }
        let tag = arguments[4]
        for index in 0..<count {
            try await bus.publish(BillingEvent(type: .invoicePaid, payload: ["index": .int(Int64(index))], entityId: tag))
        }
        report("done \(count)")
    case "consume-loop", "consume-drain":
        try await consume(bus: bus, store: store, logger: quiet, drain: arguments[1] == "consume-drain")
    default:
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}

/// The durable-subscription crash scenario: two subscriptions (one strictly ordered,
/// one in entity lanes) consuming while a publisher keeps publishing. Every handled
/// delivery and every acknowledged publish is reported on its own line.
func consume(bus: EventBus, store: SQLiteEventStore, logger: Logger, drain: Bool) async throws {
    let dispatcher = SubscriptionDispatcher(
        store: store, bus: bus, configuration: .init(pollInterval: .milliseconds(20), shutdownDeadline: .seconds(5)), logger: logger
    )
    let options = DurableSubscriptionOptions(deliveryTimeout: .seconds(10), batchSize: 20)
    try await dispatcher.subscribe("ordered", to: ["*"], options: options) { event in
        report("handled ordered \(event.sequence ?? -1) \(event.entityId ?? "-")")
    }
    var lanes = options
    lanes.entityConcurrency = 4
    try await dispatcher.subscribe("lanes", to: ["invoice.*", "payment.*"], options: lanes) { event in
        report("handled lanes \(event.sequence ?? -1) \(event.entityId ?? "-")")
    }
    let group = ServiceGroup(services: [dispatcher], logger: logger)
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        if drain {
            // Caught up when every cursor reached the head; then shut down gracefully.
            while true {
                let statuses = try await dispatcher.statuses()
                if statuses.count == 2, statuses.allSatisfy({ $0.lag == 0 }) { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            report("drained")
        } else {
            let types: [BillingEventType] = [.invoiceGenerated, .paymentInitiated, .userUpdated, .invoicePaid, .paymentCompleted]
            var round = 0
            while true {
                round += 1
                let events = (0..<(round % 3 + 1)).map { index in
                    BillingEvent(type: types[(round + index) % types.count], payload: ["round": .int(Int64(round))], entityId: "entity-\((round + index) % 5)")
                }
                let stored = try await bus.publish(events)
                report("published " + stored.map { "\($0.event.sequence ?? -1)" }.joined(separator: " "))
            }
        }
    }
}
