import BillingCore
import Testing
@testable import BillingPlugins

/// Money and dates as each locale writes them.
@Suite("Email templates: money and date formatting")
struct LocaleFormattingTests {
    typealias F = EmailTemplateFixtures

    static func format(_ minorUnits: Int64, _ code: String, _ locale: String) throws -> String {
        let money = Money(minorUnits: minorUnits, currency: try CurrencyCode(code))
        return LocaleMoneyFormatter(locale: try #require(EmailLocale(locale))).format(money)
    }

    /// `~` is U+00A0 (no-break space), `^` U+202F (narrow no-break space).
    @Test("Money per locale, from minor units in the currency's exponent", arguments: [
        // English: symbol before, code spaced, minus first.
        (123_456, "EUR", "en", "€1,234.56"), (1_000, "USD", "en", "$10.00"), (1_235, "JPY", "en", "¥1,235"),
        (1_234, "BHD", "en", "BHD~1.234"), (123_456, "RUB", "en", "RUB~1,234.56"), (-123_456, "EUR", "en", "-€1,234.56"),
        (-1_234, "BHD", "en", "-BHD~1.234"), (0, "USD", "en", "$0.00"), (5, "USD", "en", "$0.05"), (0, "JPY", "en", "¥0"),
        (100, "CAD", "en", "CA$1.00"), (12_345_678, "CLF", "en", "CLF~1,234.5678"), (999, "USD", "en", "$9.99"),
        (Int64.max, "USD", "en", "$92,233,720,368,547,758.07"), (Int64.min, "USD", "en", "-$92,233,720,368,547,758.08"),
        (123_456_789_012, "EUR", "en", "€1,234,567,890.12"),
        // Russian: no-break spaces for grouping and before the symbol.
        (123_456, "EUR", "ru", "1~234,56~€"), (123_456, "RUB", "ru", "1~234,56~₽"), (1_235, "JPY", "ru", "1~235~¥"),
        (1_234, "BHD", "ru", "1,234~BHD"), (-123_456, "RUB", "ru", "-1~234,56~₽"), (0, "RUB", "ru", "0,00~₽"),
        (99_999, "RUB", "ru", "999,99~₽"), (100_000, "RUB", "ru", "1~000,00~₽"), (1_000, "USD", "ru", "10,00~$"),
        (Int64.max, "RUB", "ru", "92~233~720~368~547~758,07~₽"),
        (123_456, "RUB", "ru_RU", "1~234,56~₽"),
        // Other locales with a rule, and one without (ISO codes, English separators).
        (123_456, "EUR", "de", "1.234,56~€"), (-5, "EUR", "de_AT", "-0,05~€"), (123_456, "EUR", "fr", "1^234,56~€"),
        (123_456, "EUR", "es", "1234,56~€"), (1_234_567, "EUR", "es", "12.345,67~€"), (123_456, "EUR", "ja", "EUR~1,234.56"),
        (1_235, "JPY", "ja", "JPY~1,235"),
    ])
    func money(minorUnits: Int64, code: String, locale: String, expected: String) throws {
        let expected = F.nbsp(expected).replacingOccurrences(of: "^", with: "\u{202F}")
        #expect(try Self.format(minorUnits, code, locale) == expected)
    }

    @Test("Dates per locale, from the UTC calendar date", arguments: [
        ("2026-12-01T00:00:00.000000Z", "en", "1 December 2026"), ("2026-12-01T00:00:00.000000Z", "ru", "1 декабря 2026 г."),
        ("2026-05-09T23:59:59Z", "ru", "9 мая 2026 г."), ("2026-03-15T12:00:00Z", "ru_RU", "15 марта 2026 г."),
        ("2028-02-29T08:00:00Z", "en", "29 February 2028"), ("2026-12-01T00:00:00Z", "de", "1. Dezember 2026"),
        ("2026-12-01T00:00:00Z", "es", "1 de diciembre de 2026"), ("2026-12-01T00:00:00Z", "fr", "1 décembre 2026"),
        ("2026-12-01T00:00:00Z", "ja", "2026-12-01"),
        // An offset is applied first: 01:00 in Moscow is still 30 November in UTC.
        ("2026-12-01T01:00:00+03:00", "en", "30 November 2026"),
    ])
    func dates(timestamp: String, locale: String, expected: String) throws {
        let formatter = LocaleDateFormatter(locale: try #require(EmailLocale(locale)))
        #expect(formatter.formatDate(timestamp: timestamp) == expected)
    }

    @Test("Date and time, and text that is no timestamp")
    func dateTime() throws {
        let micros = try #require(Timestamp.parseMicroseconds("2026-12-01T09:05:00Z"))
        #expect(LocaleDateFormatter(locale: .english).formatDateTime(microseconds: micros) == "1 December 2026 at 09:05 UTC")
        let russian = LocaleDateFormatter(locale: try #require(EmailLocale("ru")))
        #expect(russian.formatDateTime(microseconds: micros) == "1 декабря 2026 г., 09:05 UTC")
        #expect(russian.formatDate(timestamp: "2026-12-01") == nil)
        #expect(russian.formatDate(timestamp: "tomorrow") == nil)
    }
}
