public import BillingCore
import Synchronization

/// A reference tax plugin: rates per jurisdiction from its settings, no external service.
///
/// It is a thin wrapper around ``TaxRules`` (the settings and the calculation) and
/// ``TaxNumberValidator`` (tax-number checks). See `Documentation/TaxPlugin.md`.
///
/// ```swift
/// try manager.register { RuleBasedTaxPlugin() }
/// try await manager.loadPlugin(RuleBasedTaxPlugin.name, settings: [
///     "rates": ["DE": 1900, "FR": 2000, "US-CA": 725],
///     "sellerCountry": "DE",
/// ])
/// ```
public final class RuleBasedTaxPlugin: TaxPlugin {
    /// The plugin's name.
    public static let name = "tax-rules"
    /// The plugin's version.
    public let version = "1.0.0"
    /// What it does, for listings.
    public let description = "Computes tax from configured rates per jurisdiction and checks tax-number formats"
    /// Who wrote it.
    public let author = "Bilingus"

    /// The rules read at `initialize`; `nil` before it and after `shutdown`.
    private let rules = Locked<TaxRules?>(nil)

    /// Creates the plugin; its rules come from its settings at `initialize`.
    public init() {}

    /// Reads and validates the settings.
    ///
    /// - Throws: `BillingError` whose `field` names the setting at fault.
    public func initialize(_ config: PluginConfig) async throws {
        let parsed = try TaxRules(settings: config.settings)
        rules.withLock { $0 = parsed }
    }

    /// On `payment.initiated`, computes the tax included in the payment's amount.
    ///
    /// The country comes from the event's metadata `country` (a string), else from the
    /// context's user; the region from metadata `region`. The result's `data` is the
    /// `TaxResult` as JSON. Without a country the payment is not blocked: the result is a
    /// success with data `{"skipped": "no country"}`. A country without a rate (and no
    /// default) is a failure, which stops a pipeline. Other events succeed untouched.
    public func execute(_ context: BillingContext) async throws -> PluginResult {
        guard let rules = rules.withLock({ $0 }) else {
            return .failure(message: "not initialized")
        }
        guard context.eventType == .paymentInitiated else {
            return .success()
        }
        let payment = try context.decodePayload(as: PaymentInitiated.self).payment
        let metadata = context.event.metadata
        guard let country = Self.nonEmpty(metadata["country"]?.stringValue) ?? Self.nonEmpty(context.user?.country) else {
            return .success(["skipped": "no country"])
        }
        let request = TaxCalculationRequest(
            lineItems: [TaxLineItem(id: payment.id, amount: payment.amount)],
            country: country,
            region: Self.nonEmpty(metadata["region"]?.stringValue),
            pricesIncludeTax: true,
            tenantId: context.tenantId
        )
        let result: TaxResult
        do {
            result = try rules.calculate(request)
        } catch let error as BillingError {
            return .failure(message: error.message)
        }
        return .success(try CanonicalJSON.value(from: result))
    }

    /// Forgets the rules; later calls fail as before `initialize`.
    public func shutdown() async throws {
        rules.withLock { $0 = nil }
    }

    /// Computes the tax with the configured rules (see ``TaxRules/calculate(_:)``).
    ///
    /// - Throws: `BillingError` with code `plugin.failure` before `initialize`, otherwise
    ///   whatever ``TaxRules/calculate(_:)`` throws.
    public func calculateTax(_ request: TaxCalculationRequest) async throws -> TaxResult {
        guard let rules = rules.withLock({ $0 }) else {
            throw BillingError(.pluginFailure, "Tax plugin '\(name)' is not initialized")
        }
        return try rules.calculate(request)
    }

    /// Whether `taxNumber` is well formed for `country` (see ``TaxNumberValidator``).
    ///
    /// Works without `initialize`. `false` for unsupported countries: check
    /// ``TaxNumberValidator/supports(country:)`` to tell "invalid" from "not checked".
    public func validateTaxNumber(_ taxNumber: String, country: String) async throws -> Bool {
        TaxNumberValidator.isValid(taxNumber, country: country)
    }

    /// `text` unless it is missing or blank.
    private static func nonEmpty(_ text: String?) -> String? {
        guard let text, text.contains(where: { !$0.isWhitespace }) else { return nil }
        return text
    }
}
