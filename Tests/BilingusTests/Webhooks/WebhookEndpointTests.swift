import BilingusTestSupport
import Bilingus
import Foundation
import Testing

/// Endpoint operations against a real receiver: rotation, the SSRF guard at creation,
/// test events, redelivery, auto-disable and secrets kept sealed.
@Suite("Webhooks: endpoints, secrets and redelivery")
struct WebhookEndpointTests {
    @Test("During a rotation's grace period requests carry both signatures, and either secret alone verifies")
    func rotation() async throws {
        let receiver = try WebhookTestReceiver.start()
        try await BillingEngine.withEngine(try WebhookWorld.configuration(), storage: .inMemory, logger: quietLogger) { engine in
            let created = try await engine.webhooks.createEndpoint(.init(url: "", eventPatterns: ["*"]), for: .tenant("acme"), receiver)
            let new = try await engine.webhooks.rotateSecret(endpointId: created.endpoint.id)
            #expect(new != created.secret)
            #expect(try await engine.webhooks.endpoint(id: created.endpoint.id).secretsCreatedAt.count == 2)
            for (round, secret) in [created.secret, new].enumerated() {
                // The receiver knows one secret only: the old one first, then the new one.
                try await receiver.setSecrets(created.receiverEndpoint, [secret.reveal()])
                let event = try WebhookWorld.invoice("rot-\(round)", tenant: "acme")
                try await engine.events.publish(event)
                let message = try await WebhookWorld.settled(engine, WebhookWorld.messageId(event, created.endpoint))
                #expect(message?.status == .succeeded, "round \(round)")
            }
            let attempts = try await receiver.attempts(created.receiverEndpoint)
            #expect(attempts.count == 2)
            #expect(attempts.allSatisfy { $0.verified })
            #expect(attempts.allSatisfy { $0.signatureHeader?.split(separator: " ").count == 2 }, "two v1 signatures")
        }
    }

    @Test("After the grace period only the new secret signs")
    func rotationGraceEnds() async throws {
        let receiver = try WebhookTestReceiver.start()
        let time = JumpingWallClock()
        // One attempt per delivery: the one with the old secret fails for good, and the redelivery is the only other.
        let configuration = try WebhookWorld.configuration(schedule: try WebhookRetrySchedule(delays: [], jitter: 0))
        try await BillingEngine.withEngine(configuration, storage: .inMemory, logger: quietLogger, wallClock: time.wallClock) { engine in
            let created = try await engine.webhooks.createEndpoint(.init(url: "", eventPatterns: ["*"]), for: .tenant("acme"), receiver)
            let new = try await engine.webhooks.rotateSecret(endpointId: created.endpoint.id, grace: .seconds(60))
            time.jump(by: 61)
            try await receiver.setSecrets(created.receiverEndpoint, [created.secret.reveal()])
            let event = try WebhookWorld.invoice("rot-late", tenant: "acme")
            try await engine.events.publish(event)
            let id = WebhookWorld.messageId(event, created.endpoint)
            #expect(try await WebhookWorld.settled(engine, id)?.status == .failed)
            let attempts = try await receiver.attempts(created.receiverEndpoint)
            #expect(attempts.first?.verified == false, "the old secret no longer signs")
            #expect(attempts.first?.signatureHeader?.split(separator: " ").count == 1)
            #expect(try await engine.webhooks.endpoint(id: created.endpoint.id).secretsCreatedAt.count == 1)
            // The new secret alone verifies it: redelivered to a receiver that knows only that one.
            try await receiver.setSecrets(created.receiverEndpoint, [new.reveal()])
            try await engine.webhooks.redeliver(messageId: id)
            #expect(try await WebhookWorld.settled(engine, id)?.status == .succeeded)
        }
    }

    @Test(
        "The SSRF guard refuses private, loopback, link-local, CGNAT, multicast and mapped addresses, and names that resolve to them; nothing is stored",
        arguments: [
            "https://10.0.0.1/hook", "https://172.16.5.4/hook", "https://192.168.1.1/hook", "https://127.0.0.1/hook", "https://169.254.169.254/latest",
            "https://100.64.0.1/", "https://224.0.0.1/", "https://0.0.0.0/", "https://[::1]/", "https://[fc00::1]/", "https://[fe80::1]/",
            "https://[::ffff:10.0.0.1]/", "https://[::ffff:127.0.0.1]/", "https://localhost/hook", "http://example.com/plain-http",
        ])
    func ssrfRefused(url: String) async throws {
        try await BillingEngine.withEngine(storage: .inMemory, logger: quietLogger) { engine in
            let error = await #expect(throws: BillingError.self) {
                _ = try await engine.webhooks.createEndpoint(.init(url: url, eventPatterns: ["*"]), for: .tenant("acme"))
            }
            let message = error?.message ?? ""
            #expect(error?.code == .webhookURLRefused, "\(url): \(message)")
            let stored = try await engine.webhooks.endpoints(tenant: .any)
            #expect(stored.isEmpty)
        }
    }

    @Test("A test event goes to its endpoint only; redelivery sends a message again with the same webhook-id")
    func testEventAndRedelivery() async throws {
        let receiver = try WebhookTestReceiver.start()
        try await BillingEngine.withEngine(try WebhookWorld.configuration(), storage: .inMemory, logger: quietLogger) { engine in
            let target = try await engine.webhooks.createEndpoint(.init(url: "", eventPatterns: ["invoice.*"]), for: .tenant("acme"), receiver)
            let other = try await engine.webhooks.createEndpoint(.init(url: "", eventPatterns: ["*"]), for: .tenant("acme"), receiver)
            let id = try await engine.webhooks.sendTestEvent(endpointId: target.endpoint.id)
            #expect(try await WebhookWorld.settled(engine, id)?.status == .succeeded)
            try await engine.webhooks.redeliver(messageId: id)
            let again = try await WebhookWorld.eventually { try await engine.webhooks.attempts(messageId: id).count == 2 }
            #expect(again)
            let attempts = try await receiver.attempts(target.receiverEndpoint)
            #expect(attempts.map(\.id) == [id, id])
            #expect(attempts.allSatisfy { $0.verified })
            #expect(try await receiver.attempts(other.receiverEndpoint).isEmpty, "the other endpoint got no test event")

            let missing = await #expect(throws: BillingError.self) { try await engine.webhooks.redeliver(messageId: "msg_none") }
            #expect(missing?.code == .notFound)
        }
    }

    @Test("Failed messages of an endpoint are sent again on request, after it is enabled")
    func redeliverFailed() async throws {
        let receiver = try WebhookTestReceiver.start()
        let configuration = try WebhookWorld.configuration(schedule: try WebhookRetrySchedule(delays: [], jitter: 0))
        try await BillingEngine.withEngine(configuration, storage: .inMemory, logger: quietLogger) { engine in
            let created = try await engine.webhooks.createEndpoint(
                .init(url: "", eventPatterns: ["*"]), for: .tenant("acme"), receiver, faults: [.status(500), .status(500)])
            let start = Date().addingTimeInterval(-1)
            let events = [try WebhookWorld.invoice("rf-1", tenant: "acme"), try WebhookWorld.invoice("rf-2", tenant: "acme")]
            try await engine.events.publish(events)
            for event in events { #expect(try await WebhookWorld.settled(engine, WebhookWorld.messageId(event, created.endpoint))?.status == .failed) }
            #expect(try await engine.webhooks.redeliverFailed(endpointId: created.endpoint.id, since: start) == 2)
            for event in events {
                let id = WebhookWorld.messageId(event, created.endpoint)
                #expect(try await WebhookWorld.settled(engine, id)?.status == .succeeded)
            }
        }
    }

    @Test("An endpoint with too many exhausted messages is disabled, announced once, and can be enabled again")
    func autoDisable() async throws {
        let receiver = try WebhookTestReceiver.start()
        let configuration = try WebhookWorld.configuration(schedule: try WebhookRetrySchedule(delays: [], jitter: 0)) { $0.disableAfterExhaustedMessages = 2 }
        try await BillingEngine.withEngine(configuration, storage: .inMemory, logger: quietLogger) { engine in
            let created = try await engine.webhooks.createEndpoint(
                .init(url: "", eventPatterns: ["*"]), for: .tenant("acme"), receiver, faults: Array(repeating: .status(500), count: 5))
            for index in 0..<2 {
                let event = try WebhookWorld.invoice("ad-\(index)", tenant: "acme")
                try await engine.events.publish(event)
                #expect(try await WebhookWorld.settled(engine, WebhookWorld.messageId(event, created.endpoint))?.status == .failed)
            }
            let disabled = try await WebhookWorld.eventually { try await !engine.webhooks.endpoint(id: created.endpoint.id).isActive }
            #expect(disabled)
            let announced = try await engine.storage.events(ofType: WebhookEndpointDisabled.eventType, tenant: "acme")
            #expect(announced.count == 1)
            #expect(try announced.first?.decodePayload(as: WebhookEndpointDisabled.self).cause == "exhausted")
            let enabled = try await engine.webhooks.enableEndpoint(id: created.endpoint.id)
            #expect(enabled.isActive && enabled.disabledReason == nil && enabled.failingSince == nil)
        }
    }

    @Test("Every attempt failing for the configured time disables the endpoint")
    func disabledAfterFailingFor() async throws {
        let receiver = try WebhookTestReceiver.start()
        let time = JumpingWallClock()
        let configuration = try WebhookWorld.configuration(schedule: try WebhookRetrySchedule(delays: [.seconds(60), .seconds(60), .seconds(60)], jitter: 0)) {
            $0.disableAfterFailingFor = .seconds(100)
        }
        try await BillingEngine.withEngine(configuration, storage: .inMemory, logger: quietLogger, wallClock: time.wallClock) { engine in
            let created = try await engine.webhooks.createEndpoint(
                .init(url: "", eventPatterns: ["*"]), for: .tenant("acme"), receiver, faults: Array(repeating: .status(500), count: 5))
            let event = try WebhookWorld.invoice("fail-for", tenant: "acme")
            try await engine.events.publish(event)
            let id = WebhookWorld.messageId(event, created.endpoint)
            for attempt in 1...2 {
                let done = try await WebhookWorld.eventually { try await engine.webhooks.attempts(messageId: id).count == attempt }
                #expect(done, "attempt \(attempt)")
                #expect(try await engine.webhooks.endpoint(id: created.endpoint.id).isActive)
                time.jump(by: 61)
            }
            let disabled = try await WebhookWorld.eventually { try await !engine.webhooks.endpoint(id: created.endpoint.id).isActive }
            #expect(disabled, "failing since the first attempt, 122 s ago")
            #expect(try await engine.storage.events(ofType: WebhookEndpointDisabled.eventType, tenant: "acme").count == 1)
        }
    }

    @Test("The secret is shown at creation only: listings redact it, and the SQLite file holds it sealed")
    func secretsSealed() async throws {
        let path = TemporaryFiles.newPath("webhook-secrets")
        defer { for suffix in ["", "-wal", "-shm", ".key"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let created = try await BillingEngine.withEngine(try WebhookWorld.configuration(), storage: .sqlite(path: path), logger: quietLogger) { engine in
            let created = try await engine.webhooks.createEndpoint(.init(url: "http://127.0.0.1:9/hook", eventPatterns: ["*"]), for: .tenant("acme"))
            let listed = try await engine.webhooks.endpoints(tenant: "acme")
            #expect(!"\(listed)".contains(created.secret.reveal()))
            #expect(!"\(created)".contains(created.secret.reveal()), "printing the creation result redacts the secret")
            return created
        }
        let secret = created.secret.reveal()
        for suffix in ["", "-wal"] {
            guard let bytes = FileManager.default.contents(atPath: path + suffix) else { continue }
            #expect(!String(decoding: bytes, as: UTF8.self).contains(secret.dropFirst(6)), "\(suffix.isEmpty ? "database" : suffix) holds the secret in clear")
        }
        try await BillingEngine.withEngine(try WebhookWorld.configuration(), storage: .sqlite(path: path), logger: quietLogger) { engine in
            let reopened = try await engine.webhooks.endpoint(id: created.endpoint.id)
            #expect(reopened.url == "http://127.0.0.1:9/hook")
        }
    }
}
