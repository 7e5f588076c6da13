import BillingCore

/// Stripe's error answer, `{"error": {"type", "code", "decline_code", "param", "message", "payment_intent"}}`,
/// turned into a ``StripeError``. The HTTP status decides the kind where the body is silent or unreadable.
enum StripeErrorBody {
    static func decode(_ body: some Collection<UInt8>, status: Int, requestId: String?, redactor: SecretRedactor) -> StripeError {
        let object = (try? CanonicalJSON.decode(body))?["error"]
        let type = object?["type"]?.stringValue
        let message = object?["message"]?.stringValue.map(redactor.redact) ?? "HTTP \(status) without an error message"
        let intent = object?["payment_intent"].flatMap { try? CanonicalJSON.decode(StripePaymentIntent.self, from: $0) }
        return StripeError(
            kind: kind(type: type, status: status), httpStatus: status, code: object?["code"]?.stringValue,
            declineCode: object?["decline_code"]?.stringValue, param: object?["param"]?.stringValue, message: message,
            requestId: requestId, paymentIntent: intent
        )
    }

    private static func kind(type: String?, status: Int) -> StripeError.Kind {
        switch status {
        case 401: return .authentication
        case 403: return .permission
        case 429: return .rateLimit
        default: break
        }
        if let type, let kind = StripeError.Kind(rawValue: type) { return kind }
        switch status {
        case 402: return .card
        case 400..<500: return .invalidRequest
        default: return .api
        }
    }
}
