import BillingCore
import Foundation

/// Batches of 1 to 5 events, forever. Each line: "ok <batch-id> <size> <sequence>…".
func publishLoop(_ bus: EventBus) async throws -> Never {
    let process = ProcessInfo.processInfo.processIdentifier
    var batchNumber = 0
    while true {
        batchNumber += 1
        let batchID = "\(process)-\(batchNumber)"
        let size = batchNumber % 5 + 1
        let events = (0..<size).map { index in
            BillingEvent(
                type: jobType, payload: ["batch": .string(batchID), "size": .int(Int64(size)), "index": .int(Int64(index))],
                entityId: "batch-\(batchID)"
            )
        }
        let stored = try await bus.publish(events)
        report("ok \(batchID) \(size) " + stored.map { "\($0.event.sequence ?? -1)" }.joined(separator: " "))
    }
}

/// `count` events of entity `tag`, then "done <count>".
func publishCount(_ bus: EventBus, count: Int, tag: String) async throws {
    for index in 0..<count {
        try await bus.publish(BillingEvent(type: jobType, payload: ["index": .int(Int64(index))], entityId: tag))
    }
    report("done \(count)")
}
