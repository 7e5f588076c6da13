public import BillingCore

/// A scriptable `TaxPlugin`. By default it charges no tax and accepts every tax number.
public final class MockTaxPlugin: TaxPlugin {
    public static let name = "mock-tax"
    public let version = "1.0.0-mock"
    public let description = "Scriptable tax plugin for tests"
    public let author = "BillingTesting"

    /// Lifecycle scripting and the config it received.
    public let lifecycle = MockLifecycle()
    /// `calculateTax`: zero tax by default.
    public let calculate = MockScript<TaxCalculationRequest, TaxResult?>(default: .value(nil))
    /// `validateTaxNumber`: `true` by default. Requests are `(number, country)`.
    public let validate = MockScript<TaxNumberCheck, Bool>(default: .value(true))

    /// A `validateTaxNumber` call.
    public struct TaxNumberCheck: Sendable, Hashable {
        public let taxNumber: String
        public let country: String
    }

    /// Creates the mock.
    public init() {}

    public func initialize(_ config: PluginConfig) async throws { try await lifecycle.didInitialize(config) }
    public func execute(_ context: BillingContext) async throws -> PluginResult { try await lifecycle.execute.respond(to: context) }
    public func shutdown() async throws { lifecycle.didShutdown() }
    public func healthCheck() async -> PluginHealth { lifecycle.health }

    public func calculateTax(_ request: TaxCalculationRequest) async throws -> TaxResult {
        if let scripted = try await calculate.respond(to: request) { return scripted }
        let currency = request.lineItems.first?.amount.currency ?? .usd
        let lines = request.lineItems.map {
            TaxLine(id: $0.id, taxableAmount: $0.amount, taxAmount: .zero($0.amount.currency), rateBasisPoints: 0, jurisdiction: request.country)
        }
        let subtotal = try Money.sum(request.lineItems.map(\.amount), currency: currency)
        return TaxResult(lines: lines, subtotal: subtotal, totalTax: .zero(currency), total: subtotal)
    }

    public func validateTaxNumber(_ taxNumber: String, country: String) async throws -> Bool {
        try await validate.respond(to: TaxNumberCheck(taxNumber: taxNumber, country: country))
    }
}
