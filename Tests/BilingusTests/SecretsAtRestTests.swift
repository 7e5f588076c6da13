import Bilingus
import BillingTesting
import Foundation
import Testing

@Suite("Secrets: sealed at rest, redacted everywhere, in every form")
struct SecretsAtRestTests {
    static func files(_ path: String) -> [String] {
        [path, path + "-wal", path + "-shm"]
    }

    @Test("A canary with \" and \\ is in no file, log line at trace level, error, listing, health dump or dead letter")
    func canaryNeverShows() async throws {
        let path = BillingEngineTests.temporaryPath()
        defer { BillingEngineTests.remove(path) }
        let logs = CapturedLogs()
        var texts: [String] = []
        var fileLeaks: [String: [String]] = [:]
        try await BillingEngine.withEngine(
            BillingEngine.Configuration(plugins: .init(delivery: DurableSubscriptionOptions(retry: .none, startPosition: .end))),
            storage: .sqlite(path: path), plugins: [.init { LeakyPlugin() }, .init { BrokenLeakyPlugin() }], logger: logs.logger
        ) { engine in
            try await engine.plugins.loadPlugin(LeakyPlugin.name, settings: ["apiKey": .secret(Canary.secret), "region": "eu"])
            try await engine.plugins.setSettings(["apiKey": .secret(Canary.secret)], forTenant: "acme", of: LeakyPlugin.name)
            do {
                try await engine.plugins.loadPlugin(BrokenLeakyPlugin.name, settings: ["password": .secret(Canary.secret)])
                Issue.record("the broken plugin loaded")
            } catch {
                texts += [String(describing: error), String(reflecting: error), "\(error)"]
            }
            let direct = try await engine.plugins.execute(LeakyPlugin.name, context: BillingContext(eventType: .invoicePaid, tenantId: "acme"))
            texts.append(direct.error ?? "")
            let invoice = InvoiceSnapshot(id: "inv-1", userId: "u-1", status: "paid", subtotal: .zero(.usd), tax: .zero(.usd), total: .zero(.usd))
            try await engine.events.publish(InvoicePaid(invoice: invoice), tenantId: "acme")
            var letters: [DeadLetter] = []
            for _ in 0..<1000 where letters.isEmpty {
                letters = try await engine.subscriptions.deadLetters()
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(letters.count == 1)
            texts += letters.map(\.lastError)
            var dumped = ""
            dump(await engine.health(), to: &dumped)
            dump(try await engine.plugins.installedPlugins(), to: &dumped)
            dump(PluginSettings(["apiKey": .secret(Canary.secret)]), to: &dumped)
            texts += [dumped, (await engine.health()).description, "\(try await engine.plugins.installedPlugins())"]
            // The files while the engine runs: the database, its WAL and its shared memory.
            for file in Self.files(path) { fileLeaks[file] = Canary.leaks(inFileAt: file) }
        }
        for file in Self.files(path) { fileLeaks[file + " (closed)"] = Canary.leaks(inFileAt: file) }
        let leakingFiles = fileLeaks.filter { !$0.value.isEmpty }
        #expect(leakingFiles.isEmpty, "secret in files: \(leakingFiles)")
        #expect(Canary.leaks(in: logs.text).isEmpty, "secret in logs: \(Canary.leaks(in: logs.text))")
        #expect(logs.text.contains("connecting with ***"), "the plugin's trace lines were logged, redacted")
        for text in texts {
            #expect(Canary.leaks(in: text).isEmpty, "secret in: \(text.prefix(300))")
        }
        #expect(texts.contains { $0.contains("LeakyError") }, "the errors were shown, redacted")
    }

    @Test("Secrets an earlier version stored in clear are sealed when the engine first opens the database")
    func clearRowsSealedOnOpen() async throws {
        let path = BillingEngineTests.temporaryPath()
        defer { BillingEngineTests.remove(path) }
        do {
            // What Bilingus 0.3 wrote: the secret in clear, flagged.
            let store = try SQLiteEventStore(path: path)
            try await store.savePluginRecord(PluginRecord(
                id: "p-1", name: LeakyPlugin.name, version: "1.0.0", description: nil, author: nil, isActive: true,
                settings: SealedSettings(json: ["apiKey": ["value": .string(Canary.secret), "secret": true]]), createdAt: Date(), updatedAt: Date()
            ))
            try await store.close()
        }
        #expect(!Canary.leaks(inFileAt: path).isEmpty, "the clear secret is in the old file")
        try await BillingEngine.withEngine(storage: .sqlite(path: path), plugins: [.init { LeakyPlugin() }], logger: quietLogger) { engine in
            let listed = try await engine.plugins.installedPlugins()
            #expect(listed.first?.status == .active, "loaded with the secret it had")
            let record = try #require(try await engine.storage.pluginRecord(named: LeakyPlugin.name))
            #expect(record.settings.json["apiKey"]?["sealed"]?.stringValue?.hasPrefix("bsealed:v1:") == true)
        }
        for file in Self.files(path) {
            #expect(Canary.leaks(inFileAt: file).isEmpty, "\(file) still holds the secret")
        }
    }

    @Test("Keys rotate: a new current key re-seals everything at start; a missing key fails that plugin clearly and changes nothing")
    func keyRotation() async throws {
        let path = BillingEngineTests.temporaryPath()
        defer { BillingEngineTests.remove(path) }
        let old = try SealingKey.generate(id: "k1")
        let new = try SealingKey.generate(id: "k2")
        func engine<T: Sendable>(_ keys: SealingKeyring, _ body: (BillingEngine) async throws -> T) async throws -> T {
            try await BillingEngine.withEngine(
                BillingEngine.Configuration(sealingKeys: keys), storage: .sqlite(path: path), plugins: [.init { ListeningTestPlugin() }],
                logger: quietLogger, body
            )
        }
        try await engine(SealingKeyring(current: old)) { engine in
            try await engine.plugins.loadPlugin(ListeningTestPlugin.name, settings: ["apiKey": .secret("sk_rotate_me")])
        }
        func sealedKeyID(_ engine: BillingEngine) async throws -> String? {
            let record = try await engine.storage.pluginRecord(named: ListeningTestPlugin.name)
            return record?.settings.json["apiKey"]?["sealed"]?.stringValue.map { String($0.split(separator: ":")[2]) }
        }
        try await engine(try SealingKeyring(current: new, previous: [old])) { engine in
            let keyID = try await sealedKeyID(engine)
            let listed = try await engine.plugins.installedPlugins()
            #expect(keyID == "k2", "re-sealed under the new current key at start")
            #expect(listed.first?.status == .active)
        }
        try await engine(SealingKeyring(current: new)) { engine in
            let listed = try await engine.plugins.installedPlugins()
            #expect(listed.first?.status == .active, "the old key is no longer needed")
        }
        try await engine(SealingKeyring(current: old)) { engine in
            let listed = try #require(try await engine.plugins.installedPlugins().first)
            #expect(listed.status == .failed)
            #expect(listed.lastError?.contains("k2") == true, "the error names the key that is missing: \(listed.lastError ?? "")")
            let keyID = try await sealedKeyID(engine)
            #expect(keyID == "k2", "nothing was changed")
        }
    }
}

/// A plugin that needs a secret and does nothing else.
final class ListeningTestPlugin: BillingPlugin {
    static let name = "rotating"
    let version = "1.0.0"
    let description = "Needs an API key"
    let author = "tests"

    func initialize(_ config: PluginConfig) async throws {
        _ = try config.settings.secret("apiKey")
    }

    func execute(_ context: BillingContext) async throws -> PluginResult { .success() }
    func shutdown() async throws {}
}
