import Bilingus
import Foundation
import Logging

/// One payment through the Stripe plugin on a SQLite file, for the crash test: with
/// `initiate`, it initiates `pay-crash`; either way it waits for the payment's
/// `payment.completed`, reports it and exits. The test kills it while Stripe holds the
/// answer of the charge, then runs it again without `initiate`.
func stripePay(path: String, baseURL: String, apiKey: String, initiate: Bool, logger: Logger) async throws {
    var configuration = BillingEngine.Configuration()
    // The killed run's lease must lapse quickly for the second run to take over.
    configuration.subscriptions.leaseDuration = .seconds(2)
    let settings: PluginSettings = ["apiKey": .secret(apiKey), "baseURL": .init(.string(baseURL)), "readTimeoutSeconds": 120]
    try await BillingEngine.withEngine(
        configuration, storage: .sqlite(path: path), plugins: [.init(installAtStart: settings) { StripePaymentPlugin() }], logger: logger
    ) { engine in
        if initiate {
            let payment = PaymentSnapshot(id: "pay-crash", userId: "user-1", amount: Money(minorUnits: 7700, currency: .eur), status: "pending")
            let initiation = try await engine.initiatePayment(payment, paymentMethodId: "pm_card_visa", idempotencyKey: "pay-crash")
            report("initiated \(initiation.event.id)")
        }
        guard let initiated = try await engine.storage.event(tenantId: nil, idempotencyKey: "pay-crash") else {
            throw BillingError(.notFound, "no payment.initiated is stored")
        }
        let key = "\(StripePaymentPlugin.name):\(initiated.id):completed"
        for _ in 0..<6000 {
            if try await engine.storage.event(tenantId: nil, idempotencyKey: key) != nil {
                let history = try await engine.storage.events(forEntity: "pay-crash", tenant: .any).map(\.type.rawValue)
                report("completed \(history.filter { $0 == "payment.completed" }.count) of \(history.joined(separator: ","))")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw BillingError(.timeout, "no payment.completed within 120 s")
    }
}
