import Bilingus
import Foundation
import Logging

/// Our side: a `BillingEngine` on a fresh SQLite file with `endpoints` host-wide endpoints
/// on the receiver, every event fanned out to all of them, delivered, settled and logged.
/// The clock runs from the first publish until the store shows every message succeeded.
struct EngineSide {
    var endpoints: Int
    var directory: URL
    var inMemory = false
    var logger: Logger

    /// Delivers `events` to every endpoint; the time it took.
    func run(_ events: [BillingEvent], to receiver: BenchmarkReceiver) async throws -> Duration {
        let path = directory.appendingPathComponent("webhooks-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm", ".key"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        var configuration = BillingEngine.Configuration()
        // A key of the run's own, as a host configures one (no key file beside each database).
        configuration.sealingKeys = SealingKeyring(current: try SealingKey.generate(id: "benchmark"))
        // The defaults a host gets (64 requests in flight, 4 per endpoint), allowed to call the receiver over HTTP.
        configuration.webhooks = WebhookConfiguration(addressPolicy: WebhookAddressPolicy(allowedHosts: Set(receiver.hosts.map { String($0.prefix { $0 != ":" }) })))
        return try await BillingEngine.withEngine(configuration, storage: inMemory ? .inMemory : .sqlite(path: path), logger: logger) { engine in
            var ids: [String] = []
            for index in 0..<endpoints {
                let options = WebhookEndpointOptions(url: receiver.url(ofEndpoint: index), eventPatterns: ["invoice.*"])
                ids.append(try await engine.webhooks.createEndpoint(options, for: .hostWide).endpoint.id)
            }
            let expected = events.count * endpoints
            let started = ContinuousClock.now
            for event in events { try await engine.events.publish(event) }
            // The receiver's count is cheap to watch; the store is asked only once it is complete.
            while receiver.counts.deliveries < expected { try await Task.sleep(for: .milliseconds(1)) }
            while try await anyPending(engine, ids) { try await Task.sleep(for: .milliseconds(1)) }
            let elapsed = ContinuousClock.now - started
            try await checkAllSucceeded(engine, ids, events: events.count)
            return elapsed
        }
    }

    private func anyPending(_ engine: BillingEngine, _ ids: [String]) async throws -> Bool {
        for id in ids where try await !engine.webhooks.messages(endpointId: id, status: .pending, limit: 1).isEmpty { return true }
        return false
    }

    private func checkAllSucceeded(_ engine: BillingEngine, _ ids: [String], events: Int) async throws {
        for id in ids {
            let succeeded = try await engine.webhooks.messages(endpointId: id, status: .succeeded, limit: events + 1).count
            guard succeeded == events else { throw BenchmarkFailure("endpoint \(id): \(succeeded) of \(events) messages succeeded") }
        }
    }
}

/// A scenario's own check failed: the figures would mean nothing.
struct BenchmarkFailure: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
