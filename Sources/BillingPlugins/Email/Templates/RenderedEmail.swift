/// An email rendered from a template: what the notification plugin puts into a message.
struct RenderedEmail: Sendable, Hashable {
    /// One line, no control characters.
    var subject: String
    /// The plain-text part (nothing escaped).
    var text: String
    /// The HTML part (every `{{value}}` HTML-escaped).
    var html: String
    /// The locale of the template that was used, normalized (`ru`, `en`, `de_AT`): the
    /// recipient's, a shorter form of it, the default locale or `en`.
    var locale: String
    /// ``EmailTemplates/builtInSource`` or the override file's path.
    var source: String
}
