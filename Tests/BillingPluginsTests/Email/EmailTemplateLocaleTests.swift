import BillingCore
import Testing
@testable import BillingPlugins

/// Locale spellings, the fallback chain and the missing-template error.
@Suite("Email templates: locales and fallback")
struct EmailTemplateLocaleTests {
    typealias F = EmailTemplateFixtures

    @Test("Common spellings normalize to language_REGION", arguments: [
        ("ru-RU", "ru_RU"), ("ru_RU", "ru_RU"), ("ru_RU.UTF-8", "ru_RU"), ("RU_ru", "ru_RU"), ("ru_ru@euro", "ru_RU"),
        (" en ", "en"), ("EN", "en"), ("zh-hant-tw", "zh_Hant_TW"), ("es-419", "es_419"), ("de_AT.ISO8859-1", "de_AT"),
    ])
    func normalizes(raw: String, expected: String) {
        #expect(EmailLocale(raw)?.identifier == expected)
    }

    @Test("Text that is no locale gives nil", arguments: ["", " ", "C", "POSIX", "../../etc/passwd", "ru/../en", "r", "ru_toolongvariant", "ru__RU", "ру"])
    func rejects(raw: String) {
        #expect(EmailLocale(raw) == nil)
    }

    @Test("The chain: the locale, its shorter forms, the default's chain, then en")
    func chain() throws {
        let chain = EmailLocale.candidates(requested: EmailLocale("zh-Hant-TW"), defaultLocale: try #require(EmailLocale("de_AT")))
        #expect(chain.map(\.identifier) == ["zh_Hant_TW", "zh_Hant", "zh", "de_AT", "de", "en"])
        let noDuplicates = EmailLocale.candidates(requested: EmailLocale("en_GB"), defaultLocale: .english)
        #expect(noDuplicates.map(\.identifier) == ["en_GB", "en"])
        #expect(EmailLocale.candidates(requested: nil, defaultLocale: try #require(EmailLocale("ru"))).map(\.identifier) == ["ru", "en"])
    }

    @Test("A recipient's ru_RU, in any spelling, gets the ru template", arguments: ["ru_RU", "ru-RU", "ru_RU.UTF-8", "RU", "ru"])
    func regionFallsBackToLanguage(locale: String) throws {
        let data = try F.data(for: "user.created")
        let email = try EmailTemplates().render("user.created", locale: locale, data: data)
        #expect(email.locale == "ru" && email.source == EmailTemplates.builtInSource)
        #expect(email.subject == "Добро пожаловать, Anna Petrova!")
    }

    @Test("No template in the recipient's language: the default locale's, else en")
    func fallsBackToDefault() throws {
        let data = try F.data(for: "user.created")
        let russianDefault = try EmailTemplates(defaultLocale: "ru-RU")
        #expect(try russianDefault.render("user.created", locale: "de_DE", data: data).locale == "ru")
        #expect(try russianDefault.render("user.created", locale: nil, data: data).locale == "ru")
        #expect(try russianDefault.render("user.created", locale: "../../etc/passwd", data: data).locale == "ru")
        #expect(try russianDefault.render("user.created", locale: "en-US", data: data).locale == "en")
        let german = try EmailTemplates(defaultLocale: "de")
        let email = try german.render("user.created", locale: "fr", data: data)
        #expect(email.locale == "en" && email.subject == "Welcome, Anna Petrova!")
    }

    @Test("A template that no locale has is email.template_missing, naming it and the locales tried")
    func missingTemplate() throws {
        let templates = try EmailTemplates(defaultLocale: "de")
        let error = F.expectError(.emailTemplateMissing) {
            _ = try templates.render("subscription.renewed", locale: "ru-RU", data: [:])
        }
        #expect(error?.message.contains("'subscription.renewed'") == true)
        #expect(error?.message.contains("ru_RU, ru, de, en") == true, "\(String(describing: error))")
    }

    @Test("A default locale that is no locale is refused at start")
    func invalidDefaultLocale() {
        let error = F.expectError(.invalidArgument) { _ = try EmailTemplates(defaultLocale: "--") }
        #expect(error?.field == "defaultLocale")
    }
}
