public import BillingCore

/// A scriptable `PaymentPlugin`: it records every request, answers what the test
/// queued, and handles `payment.initiated` like a real provider plugin (publishing
/// `payment.completed` or `payment.failed`).
///
/// ```swift
/// let payments = MockPaymentPlugin()
/// payments.process.enqueue(.value(.declined(paymentId: "pay-2", code: "card_declined")))
/// ```
public final class MockPaymentPlugin: PaymentPlugin {
    public static let name = "mock-payment"
    public let version = "1.0.0-mock"
    public let description = "Scriptable payment plugin for tests"
    public let author = "BillingTesting"
    public let eventPatterns: [EventPattern]

    /// Lifecycle scripting and the config it received.
    public let lifecycle = MockLifecycle()
    /// `processPayment`: succeeds by default.
    public let process = MockScript<PaymentRequest, PaymentResult?>(default: .value(nil))
    /// `refundPayment`: succeeds by default.
    public let refund = MockScript<RefundRequest, RefundResult?>(default: .value(nil))
    /// `getPaymentStatus`: `succeeded` by default.
    public let status = MockScript<String, PaymentStatus>(default: .value(.succeeded))

    /// Creates the mock.
    public init(eventPatterns: [EventPattern] = []) {
        self.eventPatterns = eventPatterns
    }

    public func initialize(_ config: PluginConfig) async throws {
        try await lifecycle.didInitialize(config)
    }

    public func execute(_ context: BillingContext) async throws -> PluginResult {
        if context.eventType == .paymentInitiated, context.delivery != nil, let publisher = lifecycle.config?.publisher {
            return try await handlePaymentInitiated(context, publisher: publisher)
        }
        return try await lifecycle.execute.respond(to: context)
    }

    public func shutdown() async throws {
        lifecycle.didShutdown()
    }

    public func healthCheck() async -> PluginHealth {
        lifecycle.health
    }

    public func processPayment(_ request: PaymentRequest) async throws -> PaymentResult {
        try await process.respond(to: request)
            ?? PaymentResult(success: true, paymentId: request.paymentId, providerReference: "mock_\(request.paymentId)", status: .succeeded)
    }

    public func refundPayment(_ request: RefundRequest) async throws -> RefundResult {
        try await refund.respond(to: request)
            ?? RefundResult(success: true, refundId: "mock_re_\(request.paymentId)", amount: request.amount, status: .refunded)
    }

    public func getPaymentStatus(_ paymentId: String) async throws -> PaymentStatus {
        try await status.respond(to: paymentId)
    }
}

extension PaymentResult {
    /// A declined charge, for scripting mocks.
    public static func declined(paymentId: String, code: String = "card_declined", message: String = "Your card was declined.") -> PaymentResult {
        PaymentResult(success: false, paymentId: paymentId, status: .failed, failureCode: code, failureMessage: message)
    }
}
