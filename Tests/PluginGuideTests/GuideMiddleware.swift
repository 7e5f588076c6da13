import Bilingus
import BillingTesting
import Synchronization
import Testing

// MARK: - Sample: a host concern as delivery middleware (Documentation/PluginGuide.md, "Host concerns belong in middleware")

/// Tenants whose events must wait: a data migration, a suspended account.
final class HeldTenants: Sendable {
    private let held = Mutex<Set<String>>([])

    func hold(_ tenant: String) { _ = held.withLock { $0.insert(tenant) } }
    func release(_ tenant: String) { _ = held.withLock { $0.remove(tenant) } }
    func isHeld(_ tenant: String?) -> Bool { tenant.map { id in held.withLock { $0.contains(id) } } ?? false }
}

/// Holds back every delivery of a held tenant's events, to every subscription and plugin:
/// they wait without using up attempts, and arrive once the tenant is released.
struct HoldTenantsMiddleware: DeliveryMiddleware {
    let tenants: HeldTenants

    func handle(_ delivery: Delivery, next: (Delivery) async throws -> Void) async throws {
        if tenants.isHeld(delivery.event.tenantId) {
            throw DeliveryError.postpone(after: .milliseconds(50), reason: "The tenant is held")
        }
        try await next(delivery)
    }
}

// MARK: - Tests

@Suite("Guide: host concerns in middleware")
struct GuideMiddlewareTests {
    @Test("A held tenant's events wait without using up attempts, then arrive; other tenants' events are not held")
    func holdsATenant() async throws {
        let mailer = FakeMailer()
        let held = HeldTenants()
        var configuration = BillingEngine.Configuration()
        configuration.plugins.delivery.retry = RetryPolicy.none  // a postponement that used an attempt would dead-letter at once
        try await BillingEngine.withEngine(
            configuration, storage: .inMemory,
            plugins: [.init(installAtStart: ["apiKey": .secret("key-platform")]) { ReceiptPlugin(mailer: mailer) }],
            middleware: [HoldTenantsMiddleware(tenants: held)]
        ) { engine in
            held.hold("beta")
            try await engine.events.publish(InvoicePaid(invoice: Fixture.invoice("inv-1")), tenantId: "acme")
            try await engine.events.publish(InvoicePaid(invoice: Fixture.invoice("inv-2")), tenantId: "beta")
            let acmeSent = try await eventually { mailer.sent.count == 1 }
            #expect(acmeSent)
            try await Task.sleep(for: .milliseconds(300))  // several postponements
            #expect(mailer.sent.map(\.receipt.invoiceId) == ["inv-1"])

            held.release("beta")
            let betaSent = try await eventually { mailer.sent.count == 2 }
            #expect(betaSent)
            let status = try await engine.subscriptions.status(of: PluginManager.subscriptionName(of: ReceiptPlugin.name))
            #expect(status.deadLetterCount == 0)
        }
    }
}
