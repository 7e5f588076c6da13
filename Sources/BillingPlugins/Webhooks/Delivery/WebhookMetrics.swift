import BillingCore
import CoreMetrics

/// `billing.webhook.deliveries` (by outcome: delivered, retrying, failed), the request
/// duration `billing.webhook.request.duration`, and `billing.webhook.endpoints.disabled`.
struct WebhookMetrics: Sendable {
    let factory: any MetricsFactory

    func attempted(_ outcome: String, duration: Duration) {
        Counter(label: "billing.webhook.deliveries", dimensions: [("outcome", outcome)], factory: factory).increment()
        CoreMetrics.Timer(label: "billing.webhook.request.duration", factory: factory).record(duration: duration)
    }

    func disabled(_ cause: String) {
        Counter(label: "billing.webhook.endpoints.disabled", dimensions: [("cause", cause)], factory: factory).increment()
    }
}
