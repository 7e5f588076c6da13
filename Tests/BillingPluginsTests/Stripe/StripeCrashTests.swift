import BilingusTestSupport
import BillingCore
import Foundation
import Testing

/// `kill -9` of a real engine process (BilingusTestHelper stripe-pay, SQLite file) after
/// Stripe made the charge and before the plugin published the outcome.
@Suite("Stripe plugin: crash between the charge and the publish")
struct StripeCrashTests {
    @Test("After kill -9 while Stripe's answer is in flight, the restarted engine completes the payment: one charge, one payment.completed")
    func killedBetweenChargeAndPublish() async throws {
        let server = try StripeTestServer.start()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bilingus-stripe-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("billing.sqlite").path

        // Stripe runs the charge, then holds its answer: the plugin is waiting for it when the process dies.
        try await server.holdNextResponse(path: "^/v1/payment_intents$", seconds: 60)
        let first = try ChildProcess(["stripe-pay", path, server.baseURL, server.apiKey, "initiate"])
        await first.waitForLine { $0.hasPrefix("initiated ") }
        try await waitUntil("Stripe ran the charge") { try await server.requests("POST", "/v1/payment_intents").contains { $0.executed } }
        first.kill()
        _ = await first.waitForExit()
        #expect(first.lines.allSatisfy { !$0.hasPrefix("completed") })

        let second = try ChildProcess(["stripe-pay", path, server.baseURL, server.apiKey, "resume"])
        await second.waitForLine { $0.hasPrefix("completed ") }
        let status = await second.waitForExit()
        #expect(status == 0)
        #expect(second.lines.contains("completed 1 of payment.initiated,payment.completed"))

        let creates = try await server.requests("POST", "/v1/payment_intents")
        #expect(creates.filter(\.executed).count == 1)  // one charge at Stripe
        #expect(Set(creates.map(\.idempotencyKey)).count == 1)
        #expect(creates.last?.replayed == true)
    }

    /// Polls `condition` every 20 ms, for up to 30 s of real time (another process acts meanwhile).
    func waitUntil(_ what: String, _ condition: () async throws -> Bool) async throws {
        for _ in 0..<1500 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ExpectationFailure("timed out waiting until \(what)")
    }
}
