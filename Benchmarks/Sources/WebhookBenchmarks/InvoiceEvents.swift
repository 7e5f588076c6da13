import Bilingus

/// The events both sides deliver: `invoice.generated` for 16 tenants, with the user and
/// amounts a real invoice carries (a body of about 600 bytes).
enum InvoiceEvents {
    static func make(_ count: Int) throws -> [BillingEvent] {
        try (0..<count).map { index in
            let user = UserSnapshot(id: "user-\(index % 500)", email: "customer\(index % 500)@example.com", name: "Customer \(index % 500)", locale: "en")
            let invoice = InvoiceSnapshot(
                id: "inv-\(index)", userId: user.id, number: "2026-\(100_000 + index)", status: "open",
                subtotal: Money(minorUnits: 10_000 + Int64(index), currency: .eur), tax: Money(minorUnits: 1_900, currency: .eur),
                total: Money(minorUnits: 11_900 + Int64(index), currency: .eur))
            return try BillingEvent(InvoiceGenerated(invoice: invoice, user: user), tenantId: "tenant-\(index % 16)")
        }
    }
}
