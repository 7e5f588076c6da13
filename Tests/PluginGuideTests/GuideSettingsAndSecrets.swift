import Bilingus
import BillingTesting
import Foundation
import Testing

// MARK: - Sample: settings and secrets (Documentation/PluginGuide.md, "Settings, tenants and secrets")

/// What a host passes: plain JSON values, the secret ones marked `.secret`.
let acmeSettings: PluginSettings = [
    "apiKey": .secret("sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
    "baseURL": "https://api.acmepay.example",
    "timeoutSeconds": 20,
    "currencies": ["USD", "EUR"],
]

/// Every setting read and checked once, in `initialize`, so a bad configuration fails the load.
struct AcmeOptions: Sendable {
    var apiKey: Secret
    var baseURL: String
    var timeoutSeconds: Int64
    var currencies: [String]
    var sandbox: Bool

    init(_ settings: PluginSettings) throws {
        apiKey = try settings.secret("apiKey")  // required
        baseURL = try settings.string("baseURL", default: "https://api.acmepay.example")
        timeoutSeconds = try settings.int("timeoutSeconds", default: 30)
        currencies = try settings.strings("currencies", default: ["USD"])
        sandbox = try settings.bool("sandbox", default: false)
        guard (1...120).contains(timeoutSeconds) else {
            throw BillingError(.invalidArgument, "Setting 'timeoutSeconds' must be between 1 and 120", field: "timeoutSeconds")
        }
    }

    /// The one place the key is revealed: the header of an outgoing request.
    func authorizationHeader() -> (name: String, value: String) {
        ("Authorization", "Bearer \(apiKey.reveal())")
    }
}

/// A host that keeps its sealing keys in the environment (`<id>:<base64 of 32 bytes>`, comma-separated, current first).
func billingConfiguration(environment: [String: String]) throws -> BillingEngine.Configuration {
    guard let keys = environment["BILLING_SEALING_KEYS"] else {
        return BillingEngine.Configuration()  // SQLite: a `<database>.key` file (0600) is created beside the database
    }
    return BillingEngine.Configuration(sealingKeys: try SealingKeyring(environmentValue: keys))
}

/// A careless plugin: it logs its key, and its errors carry the key, once plainly and once percent-encoded.
final class CarelessPlugin: BillingPlugin {
    static let name = "careless"
    let version = "1.0.0"
    let description = "Puts its key where it must never be"
    let author = "Nobody"
    var eventPatterns: [EventPattern] { ["invoice.paid"] }

    func initialize(_ config: PluginConfig) async throws {
        let key = try config.settings.secret("apiKey").reveal()
        config.logger.info("Logging in with \(key)")
        if try config.settings.bool("refuseLogin", default: false) {
            throw BillingError(.unsupported, "login with \(key) refused")
        }
    }

    func execute(_ context: BillingContext) async throws -> PluginResult {
        let key = try context.settings.secret("apiKey").reveal()
        let query = key.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        throw DeliveryError.giveUp(reason: "GET https://api.example/charges?key=\(query) answered 401")
    }

    func shutdown() async throws {}
}

// MARK: - Tests

@Suite("Guide: settings and secrets")
struct GuideSettingsAndSecretsTests {
    /// A key with characters that percent-encoding and JSON change.
    static let awkwardKey = "sk_live/4eC3+9Hq=Ly\"jW"

    @Test("Typed getters with defaults; a secret prints as *** everywhere, also in dump, and is revealed only where used")
    func typedAndRedacted() throws {
        let options = try AcmeOptions(acmeSettings)
        #expect(options.timeoutSeconds == 20)
        #expect(options.currencies == ["USD", "EUR"])
        #expect(options.sandbox == false)
        #expect("\(options.apiKey)" == "***")
        #expect(String(reflecting: options.apiKey) == "Secret(***)")
        #expect("\(acmeSettings)".contains("***") && !"\(acmeSettings)".contains("sk_live"))
        #expect(acmeSettings.redacted["apiKey"] == "***")
        var dumped = ""
        dump(acmeSettings, to: &dumped)
        #expect(dumped.contains("***") && !dumped.contains("sk_live"))
        #expect(options.authorizationHeader().value == "Bearer sk_live_4eC39HqLyjWDarjtT1zdp7dc")
    }

    @Test("Errors name the key, never the value")
    func errorsNameTheKey() throws {
        var settings = acmeSettings
        settings["apiKey"] = nil
        let missing = #expect(throws: BillingError.self) { try AcmeOptions(settings) }
        #expect(missing?.field == "apiKey")
        #expect(missing?.message == "Setting 'apiKey' is missing")

        settings["apiKey"] = .secret("sk_live_x")
        settings["timeoutSeconds"] = "twenty"
        let mistyped = #expect(throws: BillingError.self) { try AcmeOptions(settings) }
        #expect(mistyped?.field == "timeoutSeconds")
        #expect(mistyped?.message == "Setting 'timeoutSeconds' must be an integer")
    }

    @Test("The plugin's own logger redacts its secrets")
    func logsAreRedacted() async throws {
        let lines = CapturedLog.Lines()
        let harness = PluginHarness(plugin: CarelessPlugin(), settings: ["apiKey": .secret(Self.awkwardKey)], logger: CapturedLog.logger(lines))
        try await harness.initialize()
        #expect(lines.all.contains { $0.contains("Logging in with ***") })
        #expect(!lines.all.joined().contains("4eC3"))
    }

    @Test("Listings, failures and dead letters show secrets as ***, in every encoded form")
    func engineRedacts() async throws {
        let lines = CapturedLog.Lines()
        try await BillingEngine.withEngine(
            storage: .inMemory,
            plugins: [
                .init(installAtStart: ["apiKey": .secret(Self.awkwardKey)]) { CarelessPlugin() },
                .init(installAtStart: ["rateBasisPoints": 1900, "token": .secret("tok_123456")]) { FlatTaxPlugin() },
            ],
            logger: CapturedLog.logger(lines)
        ) { engine in
            try await engine.events.publish(InvoicePaid(invoice: Fixture.invoice()))
            let subscription = PluginManager.subscriptionName(of: CarelessPlugin.name)
            var letters: [DeadLetter] = []
            _ = try await eventually {
                letters = try await engine.subscriptions.deadLetters(subscription: subscription)
                return !letters.isEmpty
            }
            let letter = try #require(letters.first)
            #expect(letter.lastError.contains("key=*** answered 401"))
            #expect(!letter.lastError.contains("4eC3"))

            let listed = try await engine.plugins.installedPlugins()
            #expect(listed.first { $0.name == FlatTaxPlugin.name }?.settings == ["rateBasisPoints": 1900, "token": "***"])
            #expect(listed.first { $0.name == CarelessPlugin.name }?.settings == ["apiKey": "***"])
            let report = await engine.health()
            #expect(!report.description.contains("tok_123456"))
        }
        #expect(!lines.all.joined().contains("4eC3"))
        #expect(!lines.all.joined().contains("tok_123456"))
    }

    @Test("A failed initialize is listed with its error redacted")
    func failureRedacted() async throws {
        try await BillingEngine.withEngine(
            storage: .inMemory,
            plugins: [.init(installAtStart: ["apiKey": .secret("sk_live_careless"), "refuseLogin": true]) { CarelessPlugin() }]
        ) { engine in
            let listed = try await engine.plugins.installedPlugins()
            #expect(listed.map(\.status) == [.failed])
            #expect(listed.first?.lastError?.contains("login with *** refused") == true)
            #expect(listed.first?.lastError?.contains("sk_live_careless") == false)
        }
    }

    @Test("At rest, secrets are sealed: a 0600 key file beside the database, or keys from the environment")
    func sealedAtRest() async throws {
        for environment in [[:], ["BILLING_SEALING_KEYS": "ops-2026:" + Data(repeating: 7, count: 32).base64EncodedString()]] {
            let path = Fixture.temporaryDatabase()
            defer { Fixture.removeDatabase(path) }
            let configuration = try billingConfiguration(environment: environment)
            for _ in 0..<2 {  // the second start opens what the first sealed
                let status = try await BillingEngine.withEngine(
                    configuration, storage: .sqlite(path: path),
                    plugins: [.init(installAtStart: ["apiKey": .secret(Self.awkwardKey)]) { CarelessPlugin() }]
                ) { engine in
                    try await engine.plugins.installedPlugins().map(\.status)
                }
                #expect(status == [.active])
            }
            let keyFile = FileManager.default.fileExists(atPath: path + ".key")
            #expect(keyFile == environment.isEmpty)
            if keyFile {
                let permissions = try FileManager.default.attributesOfItem(atPath: path + ".key")[.posixPermissions] as? Int
                #expect(permissions == 0o600)
            }
            for suffix in ["", "-wal"] {
                let bytes = (try? Data(contentsOf: URL(fileURLWithPath: path + suffix))) ?? Data()
                #expect(bytes.range(of: Data("4eC3+9Hq".utf8)) == nil, "no clear secret in \(path + suffix)")
            }
        }
    }
}
