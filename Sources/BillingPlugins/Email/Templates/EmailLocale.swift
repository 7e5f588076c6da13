import Foundation

/// A notification locale in one spelling, `language[_Script][_REGION]`: `en`, `ru_RU`, `zh_Hant_TW`.
///
/// Recipients' locales come from many places (a user's profile, a browser's
/// `Accept-Language`, a POSIX `LANG`), so every common spelling maps to one form:
/// `ru-RU`, `ru_ru`, `RU_RU` and `ru_RU.UTF-8` are all `ru_RU`. Text that is no locale
/// at all (empty, `C`, `POSIX`, `../x`) gives `nil`; that also keeps such text out of
/// override file names.
struct EmailLocale: Hashable, Sendable, CustomStringConvertible {
    /// The normalized identifier, such as `ru_RU`.
    let identifier: String
    /// The subtags after normalization: language first, then script, region and variants.
    private let subtags: [String]

    /// Normalizes `raw`; `nil` when it is not a locale.
    init?(_ raw: String) {
        var text = Substring(raw.trimmingCharacters(in: .whitespacesAndNewlines))
        // POSIX locales carry a codeset and a modifier: `ru_RU.UTF-8@euro`.
        if let cut = text.firstIndex(where: { $0 == "." || $0 == "@" }) { text = text[..<cut] }
        let parts = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "_" || $0 == "-" })
        guard let first = parts.first, Self.isLetters(first, 2...8), first.lowercased() != "posix" else { return nil }
        var subtags = [first.lowercased()]
        for part in parts.dropFirst() {
            if Self.isLetters(part, 4...4) {
                subtags.append(part.prefix(1).uppercased() + part.dropFirst().lowercased())
            } else if Self.isLetters(part, 2...2) || Self.isDigits(part, 3...3) {
                subtags.append(part.uppercased())
            } else if part.count >= 5, part.count <= 8, part.allSatisfy(\.isASCIIAlphanumeric) {
                subtags.append(part.lowercased())
            } else {
                return nil
            }
        }
        self.subtags = subtags
        self.identifier = subtags.joined(separator: "_")
    }

    /// The language subtag alone, such as `ru`.
    var language: String { subtags[0] }

    /// This locale, then each shorter one down to the language: `zh_Hant_TW`, `zh_Hant`, `zh`.
    var fallbackChain: [EmailLocale] {
        (1...subtags.count).reversed().map { EmailLocale(subtags: Array(subtags.prefix($0))) }
    }

    var description: String { identifier }

    /// The locales to try, in order, for a recipient's `requested` locale: its chain
    /// (`ru_RU`, `ru`), then the default's chain, then `en`, whose built-in templates exist
    /// for every event type that has any. Duplicates are dropped.
    static func candidates(requested: EmailLocale?, defaultLocale: EmailLocale) -> [EmailLocale] {
        var result: [EmailLocale] = []
        let chains = (requested?.fallbackChain ?? []) + defaultLocale.fallbackChain + [Self.english]
        for locale in chains where !result.contains(locale) {
            result.append(locale)
        }
        return result
    }

    /// `en`, the last resort of every chain.
    static let english = EmailLocale(subtags: ["en"])

    private init(subtags: [String]) {
        self.subtags = subtags
        self.identifier = subtags.joined(separator: "_")
    }

    private static func isLetters(_ text: Substring, _ lengths: ClosedRange<Int>) -> Bool {
        lengths.contains(text.count) && text.allSatisfy { $0.isASCII && $0.isLetter }
    }

    private static func isDigits(_ text: Substring, _ lengths: ClosedRange<Int>) -> Bool {
        lengths.contains(text.count) && text.allSatisfy { $0.isASCII && $0.isNumber }
    }
}

extension Character {
    /// An ASCII letter or digit.
    fileprivate var isASCIIAlphanumeric: Bool { isASCII && (isLetter || isNumber) }
}
