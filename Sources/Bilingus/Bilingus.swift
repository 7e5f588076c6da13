// The umbrella product: `import Bilingus` brings in every layer and the BillingEngine facade.
@_exported public import BillingCore
@_exported public import BillingPlugins
@_exported public import BillingStore
