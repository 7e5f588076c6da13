// BillingPlugins holds the built-in plugins: the reference `RuleBasedFraudPlugin` and
// `RuleBasedTaxPlugin`. It depends on BillingCore only: plugins see the plugin SDK
// (publisher, reader, state, settings), never a concrete store.
