// A child process for durability tests: it publishes through a real EventBus on a
// SQLite file and reports each publish that returned, one line at a time, so the
// parent test can kill it at any moment and check what survived.
//
//   BilingusTestHelper publish-loop <path>            publish batches forever
//   BilingusTestHelper publish-count <path> <n> <tag> publish n events, then exit
import BillingCore
import BillingStore
import Foundation

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
    let bus = EventBus(store: try SQLiteEventStore(path: path))
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
            report("ok \(batchID) \(size) " + stored.map { "\($0.sequence ?? -1)" }.joined(separator: " "))
        }
    case "publish-count":
        guard arguments.count == 5, let count = Int(arguments[3]) else { exit(2) }
        let tag = arguments[4]
        for index in 0..<count {
            try await bus.publish(BillingEvent(type: .invoicePaid, payload: ["index": .int(Int64(index))], entityId: tag))
        }
        report("done \(count)")
    default:
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
