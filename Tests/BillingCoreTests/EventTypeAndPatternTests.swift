@testable import BillingCore
import Foundation
import Testing

@Suite("Event types, patterns and ids")
struct EventTypeAndPatternTests {
    @Test("Valid type names", arguments: ["invoice.paid", "user.created", "subscription.plan_changed", "a.b.c", "v2.event9"])
    func validTypes(name: String) throws {
        #expect(try BillingEventType(name).rawValue == name)
    }

    @Test("Invalid type names are rejected naming the field", arguments: [
        "", "invoice", "Invoice.paid", "invoice..paid", ".paid", "invoice.", "invoice.9paid", "invoice paid", "invoice-paid.x", "инвойс.paid",
        String(repeating: "a", count: 125) + ".bcd",
    ])
    func invalidTypes(name: String) {
        do {
            _ = try BillingEventType(name)
            Issue.record("accepted \(name)")
        } catch let error as BillingError {
            #expect(error.code == .invalidArgument)
            #expect(error.field == "type")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("The 22 built-in constants are distinct and valid")
    func seedConstants() throws {
        #expect(Set(BillingEventType.builtIn).count == 22)
        for type in BillingEventType.builtIn {
            #expect(try BillingEventType(type.rawValue) == type)
        }
    }

    @Test("Patterns match exact types, prefixes and everything")
    func patternMatching() throws {
        let paid = BillingEventType.invoicePaid
        let lineAdded = try BillingEventType("invoice.line.added")
        let invoicing = try BillingEventType("invoicing.run")
        #expect(EventPattern("invoice.*").matches(paid))
        #expect(EventPattern("invoice.*").matches(lineAdded))
        #expect(!EventPattern("invoice.*").matches(invoicing))
        #expect(!EventPattern("invoice.*").matches(.paymentCompleted))
        #expect(EventPattern("invoice.line.*").matches(lineAdded))
        #expect(!EventPattern("invoice.line.*").matches(paid))
        #expect(EventPattern("*").matches(invoicing))
        #expect(EventPattern("invoice.paid").matches(paid))
        #expect(!EventPattern("invoice.paid").matches(.invoiceOverdue))
        #expect(EventPattern.exact(.userCreated).description == "user.created")
        #expect(EventPattern("invoice.*").description == "invoice.*")
    }

    @Test("Unsupported patterns are rejected", arguments: ["*.paid", "in*", "invoice.*.x", "invoice*", "", "Invoice.*", "**"])
    func invalidPatterns(text: String) {
        #expect(throws: BillingError.self) { try EventPattern(text) }
    }

    @Test("Generated ids are UUIDv7 and strictly increasing, even within one millisecond")
    func uuidV7() {
        let now = Date()
        let ids = (0..<10_000).map { _ in EventID.generate() }
        for (earlier, later) in zip(ids, ids.dropFirst()) {
            #expect(earlier < later)
        }
        #expect(ids.allSatisfy { $0.uuid.uuid.6 >> 4 == 7 && $0.uuid.uuid.8 >> 6 == 0b10 })
        let embedded = ids[0].timestamp!
        #expect(abs(embedded.timeIntervalSince(now)) < 0.002)
        #expect(EventID(ids[0].description) == ids[0])
        #expect(ids[0].description == ids[0].description.lowercased())
        // A clock stepping backwards still yields increasing ids.
        let generator = UUIDv7Generator()
        let milliseconds = UInt64(now.timeIntervalSince1970 * 1000)
        let first = generator.next(milliseconds: milliseconds)
        #expect(first < generator.next(milliseconds: milliseconds - 60_000))
    }
}
