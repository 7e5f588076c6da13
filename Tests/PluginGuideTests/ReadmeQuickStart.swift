// README.md's quick start quotes this file's first lines verbatim, down to the end of
// `runBilling(databasePath:)`; the test below runs it on a temporary file and stops it
// with SIGTERM, as a deployment would.

import Bilingus
import Logging
import ServiceLifecycle

/// A billing service's entry point: events, subscribers and a durable subscription,
/// run until SIGTERM or SIGINT.
func runBilling(databasePath: String) async throws {
    let logger = Logger(label: "billing")
    let engine = try BillingEngine(storage: .sqlite(path: databasePath), logger: logger)   // .inMemory in tests

    // Inline subscribers: by pattern, or by typed payload.
    engine.events.subscribe(pattern: "invoice.*") { event in print("invoice event", event.type) }
    engine.events.subscribe(to: PaymentCompleted.self) { payment, _ in
        print("receipt for", payment.payment.amount)                   // "83.30 USD"
    }

    // A durable subscription: at least once, in order, with retries and dead letters.
    // It starts with the first stored event, and survives restarts and kill -9.
    try await engine.subscriptions.subscribe("ledger", to: ["payment.*"]) { event in
        print("post to the ledger once per", event.id)                 // deduplicate on event.id
    }

    // Publish = validate → deduplicate → persist → run the inline handlers. The entity
    // (pay-1) and the user come from the payload.
    let amount = try Money(parsing: "83.30 USD")
    let payment = PaymentSnapshot(id: "pay-1", userId: "user-1", amount: amount, status: "succeeded")
    let stored = try await engine.events.publish(PaymentCompleted(payment: payment), tenantId: "acme", idempotencyKey: "pay-1-done")
    print(stored.isDuplicate ? "seen before as" : "stored as", stored.event.sequence ?? 0)

    // Reads name their tenant: .tenant("acme"), .untenanted or .any.
    let history = try await engine.storage.events(forEntity: "pay-1", tenant: .tenant("acme"))
    let page = try await engine.storage.page(EventFilters(typePatterns: ["payment.*"], tenant: .tenant("acme")), pageSize: 50)
    print(history.count, "event(s) for pay-1;", page.events.count, "payment event(s) on the first page")

    // Until SIGTERM or SIGINT; then plugins stop, deliveries in flight finish, the
    // cursor is stored and the database closed.
    try await ServiceGroup(services: [engine], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger).run()
}

import Foundation
import Testing

@Suite("README.md's quick start")
struct ReadmeQuickStartTests {
    @Test("It stores the payment once, delivers it to the ledger, and stops on SIGTERM with the cursor stored")
    func quickStartRuns() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bilingus-quickstart-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("billing.sqlite").path

        var lastToken: Int64 = 0
        for run in 1...2 {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await runBilling(databasePath: path) }
                // Once this run holds the ledger's lease and its cursor is at the payment,
                // the engine runs (and its signal handler is installed): stop it the way
                // a deployment does.
                guard let token = try await Self.waitForLedger(path: path, leaseTokenAbove: lastToken, cursor: 1) else {
                    group.cancelAll()  // never signal a process whose handler may not be installed
                    return
                }
                lastToken = token
                kill(getpid(), SIGTERM)
                try await group.waitForAll()
            }
            let store = try SQLiteEventStore(path: path)
            let events = try await store.events(matching: EventFilters())
            #expect(events.map(\.type) == [.paymentCompleted], "run \(run): the second run's publish is a duplicate")
            let ledger = try await store.subscription(named: "ledger")
            #expect(ledger?.cursor == 1)
            #expect(ledger?.lease == nil, "run \(run): the lease was released at shutdown")
            try await store.close()
        }
        #expect(FileManager.default.fileExists(atPath: path + ".key"), "the sealing key file beside the database")
    }

    /// Waits until a process holds the ledger's lease with a token above `token` and its
    /// cursor is at least `cursor`; returns the token (`nil`, with an issue, if it never does).
    private static func waitForLedger(path: String, leaseTokenAbove token: Int64, cursor: Int64) async throws -> Int64? {
        for _ in 0..<2_000 {
            if FileManager.default.fileExists(atPath: path) {
                let store = try SQLiteEventStore(path: path)
                let ledger = try await store.subscription(named: "ledger")
                try await store.close()
                if let ledger, let lease = ledger.lease, lease.token > token, ledger.cursor >= cursor { return lease.token }
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("the ledger was never leased with its cursor at \(cursor)")
        return nil
    }
}
