/// BillingPlugins holds the built-in plugins: the reference `RuleBasedFraudPlugin`
/// and `RuleBasedTaxPlugin` now; Stripe payments, SMTP email, the audit log and
/// webhooks in later releases.
@_exported public import BillingStore
