// The umbrella product: `import Bilingus` brings in every layer.
// The BillingEngine facade that composes them lives here as it lands.
@_exported public import BillingCore
@_exported public import BillingPlugins
@_exported public import BillingStore
