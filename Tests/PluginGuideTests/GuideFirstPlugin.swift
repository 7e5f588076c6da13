import Bilingus
import BillingTesting
import Testing

// MARK: - Sample: a first plugin (Documentation/PluginGuide.md, "A first plugin")

/// `late_fee.assessed`: the plugin's own event type, under its own noun.
struct LateFeeAssessed: BillingEventPayload, Hashable {
    // `try!` on a literal: a typo would trap at the first use, in this plugin's own tests.
    static let eventType = try! BillingEventType("late_fee.assessed")

    /// The overdue invoice.
    var invoiceId: String
    /// Who owes the fee.
    var userId: String
    /// The fee: a share of the invoice's total.
    var fee: Money

    var eventEntityId: String? { invoiceId }
    var eventUserId: String? { userId }
}

/// The plugin's terms, read from settings and checked: errors name the key, never the value.
struct LateFeeTerms: Sendable {
    var feeBasisPoints: Int64
    var graceDays: Int64

    init(_ settings: PluginSettings) throws {
        feeBasisPoints = try settings.int("feeBasisPoints", default: 200)  // 2 %
        graceDays = try settings.int("graceDays", default: 14)
        guard (0...10_000).contains(feeBasisPoints) else {
            throw BillingError(.invalidArgument, "Setting 'feeBasisPoints' must be between 0 and 10000", field: "feeBasisPoints")
        }
        guard graceDays >= 0 else {
            throw BillingError(.invalidArgument, "Setting 'graceDays' must not be negative", field: "graceDays")
        }
    }
}

/// Charges a late fee once per overdue invoice, after a grace period.
actor LateFeePlugin: BillingPlugin {
    static let name = "late-fees"
    nonisolated let version = "1.0.0"
    nonisolated let description = "Charges a late fee once per overdue invoice"
    nonisolated let author = "Acme Corp"
    nonisolated var eventPatterns: [EventPattern] { ["invoice.overdue"] }

    private var publisher: (any EventPublisher)?
    private var reader: (any EventReader)?

    func initialize(_ config: PluginConfig) async throws {
        _ = try LateFeeTerms(config.settings)  // refuse bad defaults at install time
        publisher = config.publisher
        reader = config.events
    }

    func execute(_ context: BillingContext) async throws -> PluginResult {
        guard context.eventType == .invoiceOverdue else { return .success() }
        guard let publisher, let reader else { return .failure(message: "late-fees is not initialized") }
        let overdue = try context.decodePayload(as: InvoiceOverdue.self)
        let terms = try LateFeeTerms(context.settings)  // the event's tenant's terms: defaults, its own on top
        guard Int64(overdue.daysOverdue) >= terms.graceDays else { return .success() }
        // The reminder may be stale: read the invoice's history, in the event's tenant only.
        let history = try await reader.events(forEntity: overdue.invoice.id, tenant: TenantScope(context.tenantId))
        guard !history.contains(where: { $0.type == .invoicePaid }) else { return .success() }

        let fee = try overdue.invoice.total.multiplied(by: terms.feeBasisPoints, dividedBy: 10_000, rounding: .halfUp)
        do {
            // One fee per invoice, however many reminders: the key names the invoice, not the event.
            let stored = try await publisher.publish(
                LateFeeAssessed(invoiceId: overdue.invoice.id, userId: overdue.invoice.userId, fee: fee),
                tenantId: context.tenantId, idempotencyKey: "late-fee:\(overdue.invoice.id)", causationId: context.event.id
            )
            return .success(["fee": .string(fee.description), "alreadyAssessed": .bool(stored.isDuplicate)])
        } catch let error as BillingError where error.code == .idempotencyConflict {
            // Assessed earlier on other terms (the tenant's rate changed since): still one fee.
            return .success(["alreadyAssessed": true])
        }
    }

    func shutdown() async throws {
        publisher = nil
        reader = nil
    }

    func healthCheck() async -> PluginHealth {
        publisher == nil ? .unhealthy("not initialized") : .healthy
    }
}

// MARK: - Tests

@Suite("Guide: a first plugin")
struct GuideFirstPluginTests {
    func fees(_ harness: PluginHarness<LateFeePlugin>) throws -> [LateFeeAssessed] {
        try harness.recorder.events(of: LateFeeAssessed.eventType).map { try $0.decodePayload(as: LateFeeAssessed.self) }
    }

    @Test("One fee per invoice however many reminders, none within the grace period")
    func oneFeePerInvoice() async throws {
        let harness = PluginHarness(plugin: LateFeePlugin(), settings: ["graceDays": 10])
        try await harness.initialize()

        let early = try await harness.deliver(InvoiceOverdue(invoice: Fixture.invoice(), daysOverdue: 3), tenantId: "acme")
        #expect(early == .success())
        #expect(try fees(harness).isEmpty)

        let first = try await harness.deliver(InvoiceOverdue(invoice: Fixture.invoice(), daysOverdue: 12), tenantId: "acme")
        #expect(first == .success(["fee": "2.38 USD", "alreadyAssessed": false]))
        let second = try await harness.deliver(InvoiceOverdue(invoice: Fixture.invoice(), daysOverdue: 30), tenantId: "acme")
        #expect(second == .success(["fee": "2.38 USD", "alreadyAssessed": true]))

        let assessed = try #require(harness.recorder.events(of: LateFeeAssessed.eventType).first)
        let reminder = harness.recorder.events(of: .invoiceOverdue)[1]
        #expect(try fees(harness) == [LateFeeAssessed(invoiceId: "inv-1", userId: "u-1", fee: Money(minorUnits: 2_38, currency: .usd))])
        #expect(assessed.causationId == reminder.id)
        #expect(assessed.tenantId == "acme")
        #expect(assessed.entityId == "inv-1")
    }

    @Test("A paid invoice gets no fee; a payment in another tenant does not count")
    func readsTheTenantsHistory() async throws {
        let harness = PluginHarness(plugin: LateFeePlugin())
        try await harness.initialize()
        try await harness.deliver(InvoicePaid(invoice: Fixture.invoice("inv-7")), tenantId: "acme")

        let paid = try await harness.deliver(InvoiceOverdue(invoice: Fixture.invoice("inv-7"), daysOverdue: 20), tenantId: "acme")
        #expect(paid == .success())
        let elsewhere = try await harness.deliver(InvoiceOverdue(invoice: Fixture.invoice("inv-7"), daysOverdue: 20), tenantId: "beta")
        #expect(elsewhere.data?["alreadyAssessed"] == false)
        #expect(harness.recorder.events(of: LateFeeAssessed.eventType).map(\.tenantId) == ["beta"])
    }

    @Test("A tenant's own terms apply to its events; a fee assessed on other terms is not charged again")
    func tenantTermsAndConflicts() async throws {
        let harness = PluginHarness(plugin: LateFeePlugin(), tenantSettings: ["beta": ["feeBasisPoints": 500]])
        try await harness.initialize()
        try await harness.deliver(InvoiceOverdue(invoice: Fixture.invoice(), daysOverdue: 20), tenantId: "acme")
        try await harness.deliver(InvoiceOverdue(invoice: Fixture.invoice(), daysOverdue: 20), tenantId: "beta")
        #expect(try fees(harness).map(\.fee.minorUnits) == [2_38, 5_95])

        // An earlier fee under the same key with another amount: the key conflicts, and no second fee is charged.
        let earlier = LateFeeAssessed(invoiceId: "inv-2", userId: "u-1", fee: Money(minorUnits: 1_00, currency: .usd))
        try await harness.bus.publish(earlier, tenantId: "acme", idempotencyKey: "late-fee:inv-2")
        let result = try await harness.deliver(InvoiceOverdue(invoice: Fixture.invoice("inv-2"), daysOverdue: 20), tenantId: "acme")
        #expect(result == .success(["alreadyAssessed": true]))
        #expect(try fees(harness).count == 3)
    }

    @Test("Bad terms fail initialize, naming the key and not the value")
    func badTerms() async throws {
        let harness = PluginHarness(plugin: LateFeePlugin(), settings: ["feeBasisPoints": 25_000])
        let error = await #expect(throws: BillingError.self) { try await harness.initialize() }
        #expect(error?.field == "feeBasisPoints")
        #expect(error?.message.contains("25000") == false)
        #expect(await harness.plugin.healthCheck() == .unhealthy("not initialized"))
    }

    @Test("A host registers the plugin by its type and installs it at start; events reach it through plugin.late-fees")
    func inAnEngine() async throws {
        let fee = try await BillingEngine.withEngine(
            storage: .inMemory,
            plugins: [.init(installAtStart: ["graceDays": 10]) { LateFeePlugin() }]
        ) { engine in
            let recorder = EventRecorder(bus: engine.events)
            try await engine.events.publish(InvoiceOverdue(invoice: Fixture.invoice(), daysOverdue: 11))
            return try await recorder.expect(LateFeeAssessed.eventType, within: .seconds(5))
        }
        #expect(try fee.decodePayload(as: LateFeeAssessed.self).fee == Money(minorUnits: 2_38, currency: .usd))
        #expect(PluginManager.subscriptionName(of: LateFeePlugin.name) == "plugin.late-fees")
    }
}
