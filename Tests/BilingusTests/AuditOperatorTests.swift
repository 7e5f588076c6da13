import BilingusTestSupport
import Bilingus
import Foundation
import Testing

/// Administrative operations through `engine.acting(as:)`: each carried out, then recorded
/// with its user, settings by name only, secrets and URLs never.
@Suite("Audit log: administrative actions")
struct AuditOperatorTests {
    static func configuration() -> BillingEngine.Configuration {
        var configuration = BillingEngine.Configuration()
        configuration.audit = AuditConfiguration()
        configuration.webhooks = WebhookConfiguration(addressPolicy: WebhookAddressPolicy(allowedHosts: ["127.0.0.1"]))
        return configuration
    }

    @Test("Plugin, settings, subscription and webhook operations are recorded in order, with the user, and no secret or URL")
    func operationsAreRecorded() async throws {
        let path = TemporaryFiles.newPath("audit-operator")
        try await BillingEngine.withEngine(Self.configuration(), storage: .sqlite(path: path), plugins: [.init { LeakyPlugin() }], logger: quietLogger) { engine in
            let audit = try #require(engine.audit)
            let op = try engine.acting(as: "operator-7")
            try await op.installPlugin(LeakyPlugin.name, settings: ["apiKey": .secret(Canary.secret), "region": "eu"])
            try await op.setSettings(["apiKey": .secret(Canary.secret)], forTenant: "acme", of: LeakyPlugin.name)
            try await op.pause(WebhookService.fanOutSubscription)
            try await op.resume(WebhookService.fanOutSubscription)
            let created = try await op.createWebhookEndpoint(
                WebhookEndpointOptions(url: "http://127.0.0.1:9/hooks?token=TOKEN-in-the-url", eventPatterns: ["invoice.*"]), for: .tenant("acme"))
            _ = try await op.rotateWebhookSecret(endpointId: created.endpoint.id)
            try await op.deleteWebhookEndpoint(id: created.endpoint.id)
            try await op.unloadPlugin(LeakyPlugin.name)
            try await op.uninstallPlugin(LeakyPlugin.name)

            let entries = try await audit.entries(matching: AuditQuery(userId: "operator-7")).reversed()
            #expect(entries.map(\.type) == [
                "plugin.install", "plugin.settings.change", "subscription.pause", "subscription.resume", "webhook.endpoint.create", "webhook.secret.rotate",
                "webhook.endpoint.delete", "plugin.unload", "plugin.uninstall",
            ])
            #expect(entries.allSatisfy { $0.kind == .action && $0.userId == "operator-7" })
            #expect(entries.filter { $0.tenantId == "acme" }.map(\.type) == [
                "plugin.settings.change", "webhook.endpoint.create", "webhook.secret.rotate", "webhook.endpoint.delete",
            ], "tenant actions in the tenant's chain")
            let install = try #require(entries.first)
            #expect(install.details["settings"] == ["apiKey", "region"] && install.details["secretSettings"] == ["apiKey"], "\(install.details)")
            let recorded = entries.map { "\($0.summary) \($0.details)" }.joined(separator: "\n")
            #expect(Canary.leaks(in: recorded).isEmpty, "no form of the secret")
            #expect(!recorded.contains("TOKEN-in-the-url"), "no URL")
            let results = try await audit.verifyAll()
            #expect(results.allSatisfy { $0.isIntact }, "\(results)")

            await #expect(throws: BillingError.self) { try await engine.acting(as: "").installPlugin(LeakyPlugin.name, settings: ["apiKey": .secret("x")]) }
            let installed = try await engine.plugins.installedPlugins()
            #expect(!installed.contains { $0.name == LeakyPlugin.name }, "nothing done for nobody")
        }
    }

    @Test("Without an audit log the operations still work and record nothing")
    func withoutAuditLog() async throws {
        try await BillingEngine.withEngine(storage: .inMemory, logger: quietLogger) { engine in
            #expect(engine.audit == nil)
            try await engine.acting(as: "operator-7").pause(WebhookService.fanOutSubscription)
            let status = try await engine.subscriptions.status(of: WebhookService.fanOutSubscription)
            #expect(status.isPaused)
            #expect(try await engine.storage.auditChainHeads().isEmpty)
        }
    }
}
