import Bilingus
import BillingTesting
import Testing

// MARK: - Sample: settings and secrets (Documentation/PluginGuide.md, "Configuration and secrets")

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

/// A careless plugin whose error text contains its key.
struct CarelessPlugin: BillingPlugin {
    let name = "careless"
    let version = "1.0.0"
    let description = "Puts its key in an error"
    let author = "Nobody"

    func initialize(_ config: PluginConfig) async throws {
        let key = try config.settings.secret("apiKey").reveal()
        throw BillingError(.unsupported, "login with \(key) refused")
    }

    func execute(_ context: BillingContext) async throws -> PluginResult { .success() }
    func shutdown() async throws {}
}

// MARK: - Tests

@Suite("Guide: settings and secrets")
struct GuideSettingsAndSecretsTests {
    @Test("Typed getters with defaults; a secret prints as *** and is revealed only where used")
    func typedAndRedacted() throws {
        let options = try AcmeOptions(acmeSettings)
        #expect(options.timeoutSeconds == 20)
        #expect(options.currencies == ["USD", "EUR"])
        #expect(options.sandbox == false)
        #expect("\(options.apiKey)" == "***")
        #expect(String(reflecting: options.apiKey) == "Secret(***)")
        #expect("\(acmeSettings)".contains("***"))
        #expect(!"\(acmeSettings)".contains("sk_live"))
        #expect(acmeSettings.redacted["apiKey"] == "***")
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

    @Test("Listings show settings redacted, and the manager redacts a secret from a plugin's own error text")
    func engineRedacts() async throws {
        let configuration = BillingEngine.Configuration(
            storage: .inMemory,
            plugins: [
                .init("careless", installAtStart: ["apiKey": .secret("sk_live_careless")]) { CarelessPlugin() },
                .init("flat-tax", installAtStart: ["rateBasisPoints": 1900, "token": .secret("tok_123456")]) { FlatTaxPlugin() },
            ]
        )
        try await BillingEngine.withEngine(configuration) { engine in
            let listed = try await engine.listInstalledPlugins()
            let careless = try #require(listed.first { $0.name == "careless" })
            #expect(careless.status == .failed)
            #expect(careless.lastError?.contains("sk_live_careless") == false)
            #expect(careless.lastError?.contains("login with *** refused") == true)
            #expect(listed.first { $0.name == "flat-tax" }?.settings == ["rateBasisPoints": 1900, "token": "***"])
            #expect(!(await engine.health()).description.contains("sk_live"))
        }
    }
}
