/// The templates Bilingus ships: every event type the notification plugin mails by
/// default, in English and Russian, in the ``EmailTemplateDocument`` format.
///
/// They are Swift literals rather than resource files so that they need no bundle and
/// are there in every build. A host changes any of them, or adds a locale, with an
/// override file of the same format (see ``OverrideDirectory``).
enum BuiltInEmailTemplates {
    /// One built-in template file.
    struct Source: Sendable {
        /// The event type, such as `invoice.generated`.
        var template: String
        /// The normalized locale, such as `ru`.
        var locale: String
        var contents: String
    }

    static let all: [Source] = invoiceEnglish + invoiceRussian + paymentEnglish + paymentRussian + userEnglishAndRussian
}
