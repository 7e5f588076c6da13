import Bilingus
import Synchronization

/// A payment plugin for the demo: no provider behind it, but it behaves like one.
/// It declines cards whose payment method is `pm_card_declined` and amounts above
/// the `declineAboveMinorUnits` setting, and approves everything else.
final class DemoPaymentPlugin: PaymentPlugin {
    static let name = "demo-payment"
    let version = "1.0.0"
    let description = "Approves or declines payments by simple rules (demo)"
    let author = "Bilingus"

    private struct Setup: Sendable {
        let publisher: any EventPublisher
        let declineAbove: Int64
    }

    private let setup = Mutex<Setup?>(nil)

    func initialize(_ config: PluginConfig) async throws {
        let declineAbove = try config.settings.int("declineAboveMinorUnits", default: .max)
        _ = try config.settings.secret("apiKey")  // a real plugin would authenticate with it
        setup.withLock { $0 = Setup(publisher: config.publisher, declineAbove: declineAbove) }
    }

    func execute(_ context: BillingContext) async throws -> PluginResult {
        guard let publisher = setup.withLock({ $0?.publisher }) else {
            return .failure(message: "not initialized")
        }
        return try await handlePaymentInitiated(context, publisher: publisher)
    }

    func shutdown() async throws {
        setup.withLock { $0 = nil }
    }

    func processPayment(_ request: PaymentRequest) async throws -> PaymentResult {
        let limit = setup.withLock { $0?.declineAbove } ?? .max
        if request.paymentMethodId == "pm_card_declined" {
            return PaymentResult(success: false, paymentId: request.paymentId, status: .failed, failureCode: "card_declined", failureMessage: "The card was declined")
        }
        if request.amount.minorUnits > limit {
            return PaymentResult(success: false, paymentId: request.paymentId, status: .failed, failureCode: "amount_too_large", failureMessage: "The amount is above the demo limit")
        }
        return PaymentResult(success: true, paymentId: request.paymentId, providerReference: "demo_pi_\(request.paymentId)", status: .succeeded)
    }

    func refundPayment(_ request: RefundRequest) async throws -> RefundResult {
        RefundResult(success: true, refundId: "demo_re_\(request.paymentId)", amount: request.amount, status: .refunded)
    }

    func getPaymentStatus(_ paymentId: String) async throws -> PaymentStatus {
        .succeeded
    }
}
