import BillingCore
import BillingTesting
import Foundation
import Synchronization
import Testing

// MARK: - Sample: a side effect once per invoice (Documentation/PluginGuide.md, "Doing a side effect once")

/// The part of the mail provider's API the plugin uses. The real client speaks HTTP;
/// tests pass a fake.
protocol ReceiptMailer: Sendable {
    /// Sends `receipt` with `apiKey`; returns the provider's message id.
    func send(_ receipt: Receipt, apiKey: Secret) async throws -> String
}

/// One receipt email.
struct Receipt: Sendable, Hashable {
    var invoiceId: String
    var userId: String
    var total: Money
}

/// The provider refused the message: it certainly did not go out, so a retry may send it.
struct ReceiptRejected: Error, CustomStringConvertible {
    var reason: String
    var description: String { "The mail provider rejected the receipt: \(reason)" }
}

/// Emails one receipt per paid invoice, although `invoice.paid` can reach it more than once
/// for an invoice: redelivered, or published again by the host as a new event.
///
/// Settings: `apiKey` (secret; a tenant may have its own), `claimLifetimeSeconds` (optional:
/// without it a receipt is sent at most once; with it, at least once).
final class ReceiptPlugin: BillingPlugin {
    static let name = "paid-receipts"
    let version = "1.0.0"
    let description = "Emails one receipt per paid invoice"
    let author = "Acme Corp"
    var eventPatterns: [EventPattern] { ["invoice.paid"] }

    private struct Setup: Sendable {
        let state: PluginState
        let wallClock: WallClock
        let claimLifetime: Duration?
    }

    private let mailer: any ReceiptMailer
    private let setup = Mutex<Setup?>(nil)

    init(mailer: any ReceiptMailer) {
        self.mailer = mailer
    }

    func initialize(_ config: PluginConfig) async throws {
        _ = try config.settings.secret("apiKey")  // the default account; tenants may bring their own
        var claimLifetime: Duration?  // none: a claim never lapses
        if config.settings["claimLifetimeSeconds"] != nil {
            claimLifetime = .seconds(try config.settings.int("claimLifetimeSeconds"))
        }
        setup.withLock { $0 = Setup(state: config.state, wallClock: config.wallClock, claimLifetime: claimLifetime) }
    }

    func execute(_ context: BillingContext) async throws -> PluginResult {
        guard context.eventType == .invoicePaid else { return .success() }
        guard let setup = setup.withLock({ $0 }) else { return .failure(message: "paid-receipts is not initialized") }
        let invoice = try context.decodePayload(as: InvoicePaid.self).invoice
        let apiKey = try context.settings.secret("apiKey")  // the event's tenant's own key, if it has one
        let key = Self.receiptKey(tenant: context.tenantId, invoice: invoice.id)

        // 1. Claim the invoice before the side effect: one delivery gets past this point.
        guard let claim = try await setup.state.claim(key, ["status": "sending"], expiresIn: setup.claimLifetime) else {
            return try await alreadyClaimed(key, setup)
        }
        // 2. The side effect.
        let messageId: String
        do {
            messageId = try await mailer.send(Receipt(invoiceId: invoice.id, userId: invoice.userId, total: invoice.total), apiKey: apiKey)
        } catch let rejected as ReceiptRejected {
            try await setup.state.delete(key, if: .version(claim.version))  // certainly not sent: let a retry send
            throw rejected
        }
        // 3. Record the outcome, compare-and-set on the claim's version: this fails if the claim
        //    lapsed meanwhile and another delivery took the key.
        try await setup.state.put(key, ["status": "sent", "messageId": .string(messageId)], if: .version(claim.version))
        return .success(["messageId": .string(messageId)])
    }

    /// Another delivery claimed this invoice first.
    private func alreadyClaimed(_ key: String, _ setup: Setup) async throws -> PluginResult {
        guard let entry = try await setup.state.get(key) else {
            throw DeliveryError.retry(after: .zero, reason: "The receipt claim \(key) lapsed meanwhile")
        }
        if entry.value["status"] == "sent" {
            return .success(["messageId": entry.value["messageId"] ?? .null])  // sent before: nothing to do
        }
        // Claimed but never recorded: a delivery died (or lost the answer) between the send and the record.
        if let expiresAt = entry.expiresAt {
            // At least once: when the claim lapses, a later attempt sends again.
            let wait = Duration.seconds(max(0, expiresAt.timeIntervalSince(setup.wallClock.now())))
            throw DeliveryError.retry(after: wait, reason: "The receipt \(key) is unconfirmed; it is sent again when its claim lapses")
        }
        // At most once: never send again unasked. The dead letter tells an operator, who checks the provider.
        throw DeliveryError.giveUp(reason: "The receipt \(key) was claimed but never confirmed; check the provider, then release the claim and redeliver")
    }

    func shutdown() async throws {
        setup.withLock { $0 = nil }
    }

    /// The business key: one receipt per invoice of a tenant. State is shared by every
    /// tenant, so the tenant is part of the key (as canonical JSON, so no two pairs collide).
    static func receiptKey(tenant: String?, invoice: String) -> String {
        "receipt:" + CanonicalJSON.string([tenant.map { .string($0) } ?? .null, .string(invoice)])
    }

    /// Claims whose send was never confirmed: what an operator checks against the provider.
    static func unconfirmedReceipts(in state: PluginState) async throws -> [PluginStateEntry] {
        var unconfirmed: [PluginStateEntry] = []
        var after: String?
        while true {
            let page = try await state.list(prefix: "receipt:", after: after, limit: 100)
            unconfirmed += page.filter { $0.value["status"] == "sending" }
            guard page.count == 100, let last = page.last else { return unconfirmed }
            after = last.key
        }
    }
}

// MARK: - Test double

/// Stands for the process dying right after the provider accepted a message: nothing after
/// `send` runs in the plugin, and the plugin catches only `ReceiptRejected`, so its state is
/// left exactly as a crash between the claim and the record leaves it.
struct SimulatedCrash: Error {}

/// A mail provider that keeps what it sent.
final class FakeMailer: ReceiptMailer {
    struct Sent: Sendable, Hashable {
        var receipt: Receipt
        var apiKey: String
        var messageId: String
    }

    private enum Mode {
        case deliver, reject, dieAfterSending
    }

    private let state = Mutex((mode: Mode.deliver, sent: [Sent]()))

    var sent: [Sent] { state.withLock { $0.sent } }

    /// The next send goes out, then the "process dies" (``SimulatedCrash``).
    func dieAfterNextSend() { state.withLock { $0.mode = .dieAfterSending } }
    /// Every send is refused until ``deliverAgain()``.
    func rejectSends() { state.withLock { $0.mode = .reject } }
    func deliverAgain() { state.withLock { $0.mode = .deliver } }

    func send(_ receipt: Receipt, apiKey: Secret) async throws -> String {
        try state.withLock { state in
            if state.mode == .reject { throw ReceiptRejected(reason: "mailbox full") }
            let messageId = "msg-\(state.sent.count + 1)"
            state.sent.append(Sent(receipt: receipt, apiKey: apiKey.reveal(), messageId: messageId))
            if state.mode == .dieAfterSending {
                state.mode = .deliver
                throw SimulatedCrash()
            }
            return messageId
        }
    }
}

// MARK: - Tests

@Suite("Guide: a side effect once per invoice, with PluginState")
struct GuideOncePerInvoiceTests {
    let key = ReceiptPlugin.receiptKey(tenant: "acme", invoice: "inv-1")

    func receiptHarness(_ mailer: FakeMailer, settings: PluginSettings = ["apiKey": .secret("key-default")]) async throws -> PluginHarness<ReceiptPlugin> {
        let harness = PluginHarness(plugin: ReceiptPlugin(mailer: mailer), settings: settings)
        try await harness.initialize()
        return harness
    }

    @Test("One receipt per invoice, not per event: a second invoice.paid and a redelivery send nothing")
    func oncePerInvoice() async throws {
        let mailer = FakeMailer()
        let harness = try await receiptHarness(mailer)
        let first = try await harness.deliver(InvoicePaid(invoice: Fixture.invoice()), tenantId: "acme")
        let again = try await harness.deliver(InvoicePaid(invoice: Fixture.invoice(), paymentId: "pay-2"), tenantId: "acme")
        let paid = harness.recorder.events(of: .invoicePaid)
        let redelivered = try await harness.redeliver(paid[0])
        #expect(paid.count == 2 && paid[0].id != paid[1].id)
        #expect([first, again, redelivered] == Array(repeating: .success(["messageId": "msg-1"]), count: 3))
        #expect(mailer.sent.map(\.receipt.invoiceId) == ["inv-1"])
        #expect(try await harness.state.get(key)?.value == ["status": "sent", "messageId": "msg-1"])

        // Another invoice, and the same invoice id in another tenant, each get their own receipt.
        try await harness.deliver(InvoicePaid(invoice: Fixture.invoice("inv-2")), tenantId: "acme")
        try await harness.deliver(InvoicePaid(invoice: Fixture.invoice()), tenantId: "beta")
        #expect(mailer.sent.count == 3)
    }

    @Test("A crash between claim and record, with a claim that never lapses: sent at most once; the stuck claim is visible and can be released")
    func crashAtMostOnce() async throws {
        let mailer = FakeMailer()
        let harness = try await receiptHarness(mailer)
        mailer.dieAfterNextSend()
        await #expect(throws: SimulatedCrash.self) {
            try await harness.deliver(InvoicePaid(invoice: Fixture.invoice()), tenantId: "acme")
        }
        #expect(mailer.sent.count == 1)  // the email went out; its record was never written
        let stuck = try #require(try await harness.state.get(key))
        #expect(stuck.value == ["status": "sending"] && stuck.expiresAt == nil)

        // After the restart the event comes again: nothing is sent; the event goes to the dead letters.
        let paid = try #require(harness.recorder.events(of: .invoicePaid).first)
        let error = await #expect(throws: DeliveryError.self) { try await harness.redeliver(paid, attempt: 2) }
        #expect(error?.directive == .giveUp)
        #expect(mailer.sent.count == 1)

        // The operator finds the claim, checks the provider, and releases it; the redelivery sends.
        let unconfirmed = try await ReceiptPlugin.unconfirmedReceipts(in: harness.state)
        #expect(unconfirmed.map(\.key) == [key])
        #expect(try await harness.state.delete(stuck.key, if: .version(stuck.version)))
        let resent = try await harness.redeliver(paid, attempt: 3)
        #expect(resent == .success(["messageId": "msg-2"]))
        #expect(try await ReceiptPlugin.unconfirmedReceipts(in: harness.state).isEmpty)
    }

    @Test("The same crash with claimLifetimeSeconds: a delivery after the claim lapses sends again, at least once")
    func crashAtLeastOnce() async throws {
        let mailer = FakeMailer()
        let harness = try await receiptHarness(mailer, settings: ["apiKey": .secret("key-default"), "claimLifetimeSeconds": 600])
        mailer.dieAfterNextSend()
        await #expect(throws: SimulatedCrash.self) {
            try await harness.deliver(InvoicePaid(invoice: Fixture.invoice()), tenantId: "acme")
        }
        let paid = try #require(harness.recorder.events(of: .invoicePaid).first)
        let firstClaim = try #require(try await harness.state.get(key))

        // Before the claim lapses, the retry is told to wait for it.
        let early = await #expect(throws: DeliveryError.self) { try await harness.redeliver(paid, attempt: 2) }
        #expect(early?.directive == .retry(after: .seconds(600)))
        #expect(mailer.sent.count == 1)

        harness.clock.advance(by: .seconds(601))
        let resent = try await harness.redeliver(paid, attempt: 3)
        #expect(resent == .success(["messageId": "msg-2"]))
        #expect(mailer.sent.count == 2)  // the receipt went out twice: at least once
        let record = try #require(try await harness.state.get(key))
        #expect(record.version > firstClaim.version)  // versions are never reused for a key

        // The delivery that "died" cannot record over the new claim: its compare-and-set is stale.
        let stale = await #expect(throws: BillingError.self) {
            try await harness.state.put(key, ["status": "sent", "messageId": "msg-1"], if: .version(firstClaim.version))
        }
        #expect(stale?.code == .stateConflict)
    }

    @Test("Once lapsed entries are removed (the manager does it every healthCheckInterval), a key still never gets an old version")
    func versionsAfterCleanup() async throws {
        let harness = PluginHarness(plugin: ReceiptPlugin(mailer: FakeMailer()))
        let lapsed = try #require(try await harness.state.claim(key, ["status": "sending"], expiresIn: .seconds(60)))
        harness.clock.advance(by: .seconds(61))
        let removed = try await harness.store.removeExpiredPluginState(before: harness.clock.wallClock.now())
        #expect(removed == 1)
        let again = try #require(try await harness.state.claim(key, ["status": "sending"], expiresIn: .seconds(60)))
        #expect(again.version > lapsed.version)
        let stale = await #expect(throws: BillingError.self) {
            try await harness.state.put(key, ["status": "sent"], if: .version(lapsed.version))
        }
        #expect(stale?.code == .stateConflict, "a stale compare-and-set fails")
    }

    @Test("A send the provider refused releases the claim, so the retry sends")
    func rejectedReleasesTheClaim() async throws {
        let mailer = FakeMailer()
        let harness = try await receiptHarness(mailer)
        mailer.rejectSends()
        await #expect(throws: ReceiptRejected.self) {
            try await harness.deliver(InvoicePaid(invoice: Fixture.invoice()), tenantId: "acme")
        }
        #expect(try await harness.state.get(key) == nil)

        mailer.deliverAgain()
        let paid = try #require(harness.recorder.events(of: .invoicePaid).first)
        #expect(try await harness.redeliver(paid) == .success(["messageId": "msg-1"]))
    }

    @Test("Without its apiKey it fails to initialize, naming the key")
    func requiresKey() async throws {
        let harness = PluginHarness(plugin: ReceiptPlugin(mailer: FakeMailer()))
        let error = await #expect(throws: BillingError.self) { try await harness.initialize() }
        #expect(error?.field == "apiKey")
    }
}
