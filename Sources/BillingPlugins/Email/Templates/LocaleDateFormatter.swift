import BillingCore

/// Writes a payload's timestamps as a locale writes a date in a letter: `1 December 2026`,
/// `1 декабря 2026 г.`, `1. Dezember 2026`; with the time, in UTC, when asked.
///
/// Payload dates are canonical UTC timestamps (`2026-12-01T09:30:00.000000Z`), so the
/// calendar date is read off the UTC form: every recipient sees the same day, the one the
/// billing system recorded. Done by hand, like `Timestamp`, so that it is deterministic
/// and needs no ICU data.
struct LocaleDateFormatter: Sendable {
    /// How one language writes a date.
    struct Rule: Sendable {
        /// Twelve month names, in the form used after a day number (Russian's genitive).
        var months: [String]
        /// Day, month name and year into a date.
        var pattern: @Sendable (_ day: Int, _ month: String, _ year: Int) -> String
        /// What joins the date and `HH:MM UTC`.
        var timeJoiner: String
    }

    let rule: Rule?

    init(locale: EmailLocale) {
        rule = locale.fallbackChain.lazy.compactMap { Self.table[$0.identifier] }.first
    }

    /// The date in `text`, a timestamp as `Timestamp.parseMicroseconds` reads it; `nil` if it is none.
    func formatDate(timestamp text: String) -> String? {
        Timestamp.parseMicroseconds(text).map(formatDate(microseconds:))
    }

    /// The date of `microseconds` since the epoch, in UTC.
    func formatDate(microseconds: Int64) -> String {
        let parts = Self.civil(microseconds)
        guard let rule else {
            // A language we have no names for: ISO 8601 reads the same everywhere.
            return String(Timestamp.format(microseconds: microseconds).prefix(10))
        }
        return rule.pattern(parts.day, rule.months[parts.month - 1], parts.year)
    }

    /// The date and the time of day in UTC: `1 December 2026 at 09:30 UTC`.
    func formatDateTime(microseconds: Int64) -> String {
        let parts = Self.civil(microseconds)
        return formatDate(microseconds: microseconds) + (rule?.timeJoiner ?? " ") + parts.time + " UTC"
    }

    /// Year, month, day and `HH:MM` off the canonical UTC form.
    private static func civil(_ microseconds: Int64) -> (year: Int, month: Int, day: Int, time: String) {
        // `YYYY-MM-DDTHH:MM:SS.ffffffZ`; callers only pass timestamps that parsed, so in 0000...9999.
        let text = Array(Timestamp.format(microseconds: microseconds).utf8)
        func number(_ range: Range<Int>) -> Int {
            range.reduce(0) { $0 * 10 + Int(text[$1] &- UInt8(ascii: "0")) }
        }
        let time = String(decoding: text[11..<16], as: UTF8.self)
        return (number(0..<4), number(5..<7), number(8..<10), time)
    }

    /// Date rules by language.
    static let table: [String: Rule] = [
        "en": Rule(
            months: ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                     "October", "November", "December"],
            pattern: { "\($0) \($1) \($2)" },
            timeJoiner: " at "
        ),
        "ru": Rule(
            months: ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
                     "октября", "ноября", "декабря"],
            pattern: { "\($0) \($1) \($2) г." },
            timeJoiner: ", "
        ),
        "de": Rule(
            months: ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
                     "Oktober", "November", "Dezember"],
            pattern: { "\($0). \($1) \($2)" },
            timeJoiner: " um "
        ),
        "fr": Rule(
            months: ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
                     "octobre", "novembre", "décembre"],
            pattern: { "\($0) \($1) \($2)" },
            timeJoiner: " à "
        ),
        "es": Rule(
            months: ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
                     "octubre", "noviembre", "diciembre"],
            pattern: { "\($0) de \($1) de \($2)" },
            timeJoiner: ", "
        ),
    ]
}
