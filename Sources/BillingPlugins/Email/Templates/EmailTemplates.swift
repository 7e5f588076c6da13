import BillingCore

/// The notification emails: one template per event type and locale, built in for English
/// and Russian, each overridable (or extended with new locales) from a directory.
///
/// ```swift
/// let templates = try EmailTemplates(overrideDirectory: "/etc/billing/email", defaultLocale: "en")
/// let email = try templates.render("invoice.generated", locale: "ru-RU", data: payload)
/// // email.subject, email.text, email.html; email.locale == "ru", email.source == "built-in"
/// ```
///
/// - Locales: the recipient's locale is normalized (`ru-RU`, `ru_RU.UTF-8` → `ru_RU`) and
///   tried, then its shorter forms (`ru`), then the default locale's chain, then `en`. The
///   first locale with a template (an override first, else a built-in) is used, and money
///   and dates are formatted for that locale.
/// - Files: see ``EmailTemplateDocument`` for the format and ``OverrideDirectory`` for the
///   file names and when changes are picked up (at the next render, no restart).
/// - Data: the event's payload JSON plus what the caller adds (`recipient`, `event`,
///   `tenantId`); see ``TemplateContext`` for how money, dates and absent fields render.
final class EmailTemplates: Sendable {
    /// ``RenderedEmail/source`` for a built-in template.
    static let builtInSource = "built-in"

    let defaultLocale: EmailLocale
    private let overrides: OverrideDirectory?
    private let builtIns: [BuiltInKey: CompiledEmailTemplate]

    private struct BuiltInKey: Hashable {
        var template: String
        var locale: EmailLocale
    }

    /// - Parameters:
    ///   - overrideDirectory: Where the host's `<event type>.<locale>.mustache` files are; `nil` for built-ins only.
    ///   - defaultLocale: The locale for recipients without one (or without a template in theirs).
    /// - Throws: ``BillingError/Code/invalidArgument`` for a default locale that is no locale,
    ///   ``BillingError/Code/emailTemplateUnreadable`` when the directory cannot be listed.
    init(overrideDirectory: String? = nil, defaultLocale: String = "en") throws {
        guard let locale = EmailLocale(defaultLocale) else {
            throw BillingError(.invalidArgument, "'\(defaultLocale.prefix(40))' is not a locale such as 'en' or 'ru_RU'", field: "defaultLocale")
        }
        self.defaultLocale = locale
        self.overrides = try overrideDirectory.map { try OverrideDirectory(path: $0) }
        var builtIns: [BuiltInKey: CompiledEmailTemplate] = [:]
        for source in BuiltInEmailTemplates.all {
            guard let builtInLocale = EmailLocale(source.locale) else {
                preconditionFailure("Built-in template \(source.template) has no normalized locale: \(source.locale)")
            }
            let key = BuiltInKey(template: source.template, locale: builtInLocale)
            builtIns[key] = try CompiledEmailTemplate(contents: source.contents, origin: "built-in \(source.template).\(source.locale)")
        }
        self.builtIns = builtIns
    }

    /// Renders the email for an event.
    ///
    /// - Parameters:
    ///   - template: The event type's raw value, such as `invoice.generated`.
    ///   - locale: The recipient's locale in any common spelling; `nil` or text that is no
    ///     locale means the default.
    ///   - data: The payload JSON with the caller's additions.
    /// - Throws: ``BillingError/Code/emailTemplateMissing`` (naming the locales tried) when no
    ///   locale in the chain has the template; ``BillingError/Code/emailTemplateInvalid`` for
    ///   an override with a syntax error; ``BillingError/Code/emailTemplateUnreadable`` when
    ///   the override directory or file cannot be read. An invalid override never falls back
    ///   to a built-in: the host meant its own text to go out.
    func render(_ template: String, locale: String?, data: JSONValue) throws -> RenderedEmail {
        let candidates = EmailLocale.candidates(requested: locale.flatMap(EmailLocale.init), defaultLocale: defaultLocale)
        let files = try overrides?.files(for: template) ?? [:]
        for candidate in candidates {
            if let file = files[candidate], let compiled = try overrides?.template(at: file) {
                return Self.render(compiled, candidate, data, source: file)
            }
            if let compiled = builtIns[BuiltInKey(template: template, locale: candidate)] {
                return Self.render(compiled, candidate, data, source: Self.builtInSource)
            }
        }
        let place = overrides.map { " (built in or in \($0.path))" } ?? " (built in)"
        throw BillingError(
            .emailTemplateMissing,
            "No email template '\(template.prefix(128))' for locale \(candidates.map(\.identifier).joined(separator: ", "))\(place)",
            field: "template"
        )
    }

    /// The event types with built-in templates.
    static var builtInTemplates: Set<String> { Set(BuiltInEmailTemplates.all.map(\.template)) }

    private static func render(_ compiled: CompiledEmailTemplate, _ locale: EmailLocale, _ data: JSONValue, source: String) -> RenderedEmail {
        let parts = compiled.render(TemplateContext.root(data, locale: locale))
        return RenderedEmail(subject: parts.subject, text: parts.text, html: parts.html, locale: locale.identifier, source: source)
    }
}
