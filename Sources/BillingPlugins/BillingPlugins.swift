/// BillingPlugins holds the built-in plugins (Stripe payments, SMTP email, audit
/// log, webhooks, reference tax and fraud rules). They arrive in later releases;
/// the module exists now so hosts can depend on the final product layout.
@_exported public import BillingStore
