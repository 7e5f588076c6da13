import BillingCore
@testable import BillingPlugins
import Testing

/// Reading and checking the plugin's settings.
@Suite("Stripe plugin: settings")
struct StripeSettingsTests {
    @Test("Defaults")
    func defaults() throws {
        let settings = try StripeSettings(["apiKey": .secret("sk_test_12345678")])
        #expect(settings.baseURL == "https://api.stripe.com")
        #expect(settings.apiVersion == StripeSettings.defaultAPIVersion)
        #expect(settings.connectTimeout == .seconds(10) && settings.readTimeout == .seconds(30))
        #expect(settings.maxRetries == 2)
        #expect(settings.webhookSecrets.isEmpty && settings.webhookTolerance == .seconds(300))
    }

    static let key: PluginSettings.Value = .secret("sk_test_12345678")
    static let wrong: [(PluginSettings, String)] = [
        (["apiKey": .secret("pk_live_123456789")], "apiKey"),
        (["apiKey": .secret("whatever12345")], "apiKey"),
        ([:], "apiKey"),
        (["apiKey": key, "baseURL": "http://api.example.com"], "baseURL"),
        (["apiKey": key, "baseURL": "not a url"], "baseURL"),
        (["apiKey": key, "maxRetries": 11], "maxRetries"),
        (["apiKey": key, "readTimeoutSeconds": 0], "readTimeoutSeconds"),
        (["apiKey": key, "apiVersion": "2024 06"], "apiVersion"),
        (["apiKey": "sk_test_123456789"], "apiKey"),  // a plain value would be stored in clear
        (["apiKey": key, "webhookSecret": "whsec_123456789"], "webhookSecret"),
    ]

    @Test("Wrong values are refused naming the setting, never echoing a key", arguments: wrong)
    func refused(settings: PluginSettings, field: String) {
        let error = #expect(throws: BillingError.self) { try StripeSettings(settings) }
        #expect(error?.field == field)
        #expect(error.map { "\($0)" }?.contains("123456789") == false)
    }

    @Test("Plain http is allowed to this machine only; a trailing slash is dropped; both webhook secrets are kept")
    func loopbackAndSecrets() throws {
        let settings = try StripeSettings([
            "apiKey": .secret("rk_test_12345678"), "baseURL": "http://127.0.0.1:8420/",
            "webhookSecret": .secret("whsec_new"), "previousWebhookSecret": .secret("whsec_old"),
        ])
        #expect(settings.baseURL == "http://127.0.0.1:8420")
        #expect(settings.webhookSecrets.map { $0.reveal() } == ["whsec_new", "whsec_old"])
    }
}
