import BillingCore
import Foundation

/// Counts earlier payments in a window straight from the event store, so velocity
/// survives restarts and is shared by every process on the same store.
///
/// A payment counts once whatever happened to it: its `payment.initiated` and, for a
/// payment blocked before it was initiated, its `payment.failed` are grouped by the
/// payment id (the events' entity). The transaction being checked never counts, so a
/// redelivered check sees the same numbers. Reads are bounded: it needs to know only
/// whether the count reaches the limit.
struct PaymentVelocity: Sendable {
    let events: any EventReader

    /// The number of distinct payments other than `transactionId` since `since`,
    /// exact up to `limit` (a larger count may be reported as anything ≥ `limit`).
    func earlierPayments(userId: String?, tenantId: String?, excluding transactionId: String, since: Date, limit: Int) async throws -> Int {
        // At most two counted events per payment (initiated, failed), plus this payment's own.
        let fetch = limit.multipliedReportingOverflow(by: 2).overflow ? Int.max : limit * 2 + 2
        // Within the tenant (untenanted payments among themselves): never another tenant's.
        let events = try await events.events(matching: EventFilters(
            types: [.paymentInitiated, .paymentFailed], tenant: TenantScope(tenantId), userId: userId, from: since,
            limit: fetch, order: .descending
        ))
        var payments = Set<String>()
        for event in events {
            guard let payment = event.entityId, payment != transactionId else { continue }
            payments.insert(payment)
        }
        return payments.count
    }
}
