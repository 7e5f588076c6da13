public import BillingCore

extension BillingError.Code {
    /// No template exists for an event type in any locale of the fallback chain; the
    /// message names the template and every locale tried. Add an override file (see
    /// the email plugin's documentation) or stop mailing that event.
    public static let emailTemplateMissing = BillingError.Code("email.template_missing")
    /// A template file is not in the template format or has a Mustache syntax error; the
    /// message names the file (or the built-in) and the parser's message with line and column.
    public static let emailTemplateInvalid = BillingError.Code("email.template_invalid")
    /// The override directory, or a file in it, cannot be read (missing, not a directory,
    /// permissions). Nothing was rendered, so no built-in template silently replaced an override.
    public static let emailTemplateUnreadable = BillingError.Code("email.template_unreadable")
}
