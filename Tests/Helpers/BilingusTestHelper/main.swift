// A child process for durability tests: it publishes and consumes through a real
// EventBus and SubscriptionDispatcher on a SQLite file and reports what it did, one
// line at a time, so the parent test can kill it at any moment and check what survived.
//
//   BilingusTestHelper publish-loop <path>            publish batches forever
//   BilingusTestHelper publish-count <path> <n> <tag> publish n events, then exit
//   BilingusTestHelper consume-loop <path>            publish and consume through durable subscriptions forever
//   BilingusTestHelper consume-drain <path>           consume until every subscription is caught up, then shut down
//   BilingusTestHelper poison <path> throw|suicide    consume "jobs"; the poison job throws, or kills its own process
//   BilingusTestHelper poison-drain <path>            consume "jobs" until caught up, then shut down
//   BilingusTestHelper lease <path>                   consume "shared" with a short lease, forever
//   BilingusTestHelper stripe-pay <path> <url> <key> initiate|resume
//                                                     pay through the Stripe plugin until payment.completed
//   BilingusTestHelper email-burst <path> <smtp host> <port> <user> <password> <ca file> <count> <recipient-prefix>
//                                                     mail count user.created welcomes through the email plugin until all settle
//   BilingusTestHelper webhook-burst <path> <url> <secret> <count>
//                                                     deliver count events to one webhook endpoint until all are delivered
//   BilingusTestHelper audit-burst <path> <count>     record count events (and actions) in the audit log until all are
import BillingCore
import BillingStore
import Foundation
import Logging

/// Writes a line straight to the file descriptor: no buffer can hold back an
/// acknowledgement when the process is killed.
func report(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// The helper's events: a host type, so their small payloads need no schema.
let jobType = try! BillingEventType("test.job")

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: BilingusTestHelper <mode> <path> ...\n".utf8))
    exit(2)
}
let path = arguments[2]
/// Runs an engine mode with a quiet logger, then exits: 0 when it finished, 1 (the error on
/// stderr) when it threw.
func runEngineMode(_ body: (Logger) async throws -> Void) async -> Never {
    var quiet = Logger(label: "helper")
    quiet.logLevel = .critical
    do {
        try await body(quiet)
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        exit(1)
    }
}
switch arguments[1] {
case "email-burst":
    guard let burst = EmailBurst(arguments[2...]) else { exit(2) }
    await runEngineMode { try await emailBurst(burst, logger: $0) }
case "webhook-burst":
    guard let burst = WebhookBurst(arguments[2...]) else { exit(2) }
    await runEngineMode { try await webhookBurst(burst, logger: $0) }
case "audit-burst":
    guard arguments.count == 4, let count = Int(arguments[3]) else { exit(2) }
    await runEngineMode { try await auditBurst(path: path, count: count, logger: $0) }
case "stripe-pay":
    guard arguments.count == 6 else { exit(2) }
    await runEngineMode { try await stripePay(path: path, baseURL: arguments[3], apiKey: arguments[4], initiate: arguments[5] == "initiate", logger: $0) }
default:
    break
}
do {
    let store = try SQLiteEventStore(path: path)
    var quiet = Logger(label: "helper")
    quiet.logLevel = .critical
    let bus = EventBus(store: store, logger: quiet)
    switch arguments[1] {
    case "publish-loop":
        try await publishLoop(bus)
    case "publish-count":
        guard arguments.count == 5, let count = Int(arguments[3]) else { exit(2) }
        try await publishCount(bus, count: count, tag: arguments[4])
    case "consume-loop", "consume-drain":
        try await consume(bus: bus, store: store, logger: quiet, drain: arguments[1] == "consume-drain")
    case "poison":
        guard arguments.count == 4 else { exit(2) }
        try await consumeJobs(bus: bus, store: store, logger: quiet, poison: arguments[3], drain: false)
    case "poison-drain":
        try await consumeJobs(bus: bus, store: store, logger: quiet, poison: "throw", drain: true)
    case "lease":
        try await consumeShared(bus: bus, store: store, logger: quiet)
    default:
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
