import BillingCore
import Testing

@Suite("PluginSettings printing")
struct PluginSettingsPrintingTests {
    let settings: PluginSettings = [
        "baseURL": "https://api.example",
        "timeoutSeconds": 30,
        "apiKey": .secret(canarySecret),
    ]

    struct HostConfiguration {
        let name: String
        let settings: PluginSettings
    }

    func dumped(_ value: some Any) -> String {
        var text = ""
        dump(value, to: &text)
        return text
    }

    func printed(_ value: some Any) -> String {
        var text = ""
        print(value, to: &text)
        return text
    }

    func expectNoSecret(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!text.contains("wörd"), "the secret shows in: \(text)", sourceLocation: sourceLocation)
    }

    @Test("dump of settings, of their values and of a struct holding them masks the secret and shows the rest")
    func dumpMasks() {
        for text in [dumped(settings), dumped(settings.values), dumped(HostConfiguration(name: "acme", settings: settings))] {
            expectNoSecret(text)
            #expect(text.contains("***"))
            #expect(text.contains("https://api.example"))
            #expect(text.contains("30"))
        }
    }

    @Test("A secret value prints as *** in print, interpolation, description and String(reflecting:)")
    func secretValue() throws {
        let value = try #require(settings["apiKey"])
        #expect(printed(value) == "***\n")
        #expect("\(value)" == "***")
        #expect(String(describing: value) == "***")
        #expect(String(reflecting: value) == "Secret(***)")
        expectNoSecret(dumped(value))
    }

    @Test("A plain value prints its JSON")
    func plainValue() throws {
        let url = try #require(settings["baseURL"])
        let timeout = try #require(settings["timeoutSeconds"])
        #expect("\(url)" == #""https://api.example""#)
        #expect(String(reflecting: timeout) == "30")
        #expect(dumped(url).contains("https://api.example"))
    }

    @Test("Settings print with secrets masked everywhere")
    func settingsPrinting() {
        let expected = #"{"apiKey":"***","baseURL":"https://api.example","timeoutSeconds":30}"#
        #expect("\(settings)" == expected)
        #expect(String(reflecting: settings) == "PluginSettings(\(expected))")
        #expect(printed(settings) == expected + "\n")
        for text in [String(describing: settings.values), String(reflecting: HostConfiguration(name: "acme", settings: settings))] {
            expectNoSecret(text)
        }
    }

    @Test("Secret does not show its value in dump")
    func secretDump() {
        let text = dumped(Secret(canarySecret))
        expectNoSecret(text)
        #expect(text.contains("***"))
    }

    @Test("The redactor holds every string within a secret value, and no plain value")
    func redactor() {
        var settings = self.settings
        var nested = PluginSettings.Value(["user": "ann", "password": "nested-password-1"])
        nested.isSecret = true
        settings["credentials"] = nested
        let redactor = settings.redactor
        #expect(redactor.redact("key \(canarySecret), password nested-password-1") == "key ***, password ***")
        #expect(redactor.redact("https://api.example") == "https://api.example")
        #expect(PluginSettings(["baseURL": "https://api.example"]).redactor.isEmpty)
    }
}
