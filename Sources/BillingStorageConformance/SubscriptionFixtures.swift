import BillingCore
import Foundation

/// What the subscription checks start from.
enum SubscriptionFixtures {
    /// A fixed instant with a fraction, so checks never depend on the clock.
    static let date = Date(timeIntervalSince1970: 1_790_000_000.25)

    /// How long the checks' leases last.
    static let leaseSeconds: TimeInterval = 30

    /// Appends `count` events (`payload.n` 0 to `count - 1`) and registers each of
    /// `subscriptions` at cursor 0 for every event type; returns the stored events.
    @discardableResult
    static func seed(_ store: any BillingStorage, events count: Int = 10, subscriptions: [String] = ["s"]) async throws -> [BillingEvent] {
        let events = try await store.append((0..<count).map { BillingEvent(type: .invoicePaid, payload: ["n": .int(Int64($0))], entityId: "inv-\($0)") })
        for name in subscriptions {
            _ = try await store.registerSubscription(name: name, patterns: ["*"], initialCursor: 0, at: date)
        }
        return events.map(\.event)
    }

    /// Takes the lease of `subscription` for `owner` at `now` (default ``date``), or fails the check.
    static func lease(
        _ store: any BillingStorage, _ subscription: String = "s", owner: String, now: Date = date,
        fileID: String = #fileID, line: Int = #line
    ) async throws -> SubscriptionLease {
        let lease = try await store.acquireLease(subscription: subscription, owner: owner, until: now.addingTimeInterval(leaseSeconds), now: now)
        return try unwrap(lease, "the lease of '\(subscription)' for \(owner)", fileID: fileID, line: line)
    }

    /// The time just after a lease taken at `now` has expired.
    static func afterExpiry(of lease: SubscriptionLease) -> Date {
        lease.expiresAt.addingTimeInterval(1)
    }

    /// The subscription's state, or a failure.
    static func state(_ store: any BillingStorage, _ name: String = "s", fileID: String = #fileID, line: Int = #line) async throws -> SubscriptionState {
        try unwrap(try await store.subscription(named: name), "subscription '\(name)'", fileID: fileID, line: line)
    }

    /// An attempt record of `sequence` for subscription `s`.
    static func attempt(_ sequence: Int64, attempts: Int = 1, subscription: String = "s") -> DeliveryAttempt {
        DeliveryAttempt(subscription: subscription, sequence: sequence, attempts: attempts, nextAttemptAt: date.addingTimeInterval(60), firstFailedAt: date, lastError: "boom")
    }

    /// The record as a store gives it back: dates at microsecond precision.
    static func normalized(_ attempt: DeliveryAttempt) -> DeliveryAttempt {
        var attempt = attempt
        attempt.nextAttemptAt = attempt.nextAttemptAt.map(Timestamp.normalize)
        attempt.firstFailedAt = attempt.firstFailedAt.map(Timestamp.normalize)
        return attempt
    }
}
