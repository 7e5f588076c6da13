public import BillingCore
public import Foundation

/// Leases and fenced progress: which process delivers a subscription, and the writes
/// only that process may make.
extension SQLiteEventStore {
    public func acquireLease(subscription name: String, owner: String, until expiresAt: Date, now: Date) async throws -> SubscriptionLease? {
        try await writer.withConnection { connection in
            let acquire = try connection.statement(
                """
                UPDATE subscriptions SET lease_owner = ?, lease_token = lease_token + 1, lease_expires_at = ?
                WHERE name = ? AND (lease_owner IS NULL OR lease_owner = ? OR lease_expires_at <= ?)
                RETURNING lease_token
                """
            )
            defer { acquire.reset() }
            acquire.bind(1, owner)
            acquire.bind(2, Timestamp.microseconds(expiresAt))
            acquire.bind(3, name)
            acquire.bind(4, owner)
            acquire.bind(5, Timestamp.microseconds(now))
            if try acquire.step("take a subscription lease") {
                let token = acquire.int64(0)
                acquire.reset()
                return SubscriptionLease(subscription: name, owner: owner, token: token, expiresAt: Timestamp.normalize(expiresAt))
            }
            acquire.reset()
            guard try Self.subscription(named: name, connection) != nil else {
                throw BillingError(.notFound, "No durable subscription named '\(name)'", field: "name")
            }
            return nil
        }
    }

    public func renewLease(_ lease: SubscriptionLease, until expiresAt: Date) async throws -> SubscriptionLease? {
        try await writer.withConnection { connection in
            let renew = try connection.statement(
                "UPDATE subscriptions SET lease_expires_at = ? WHERE name = ? AND lease_owner = ? AND lease_token = ?"
            )
            defer { renew.reset() }
            renew.bind(1, Timestamp.microseconds(expiresAt))
            renew.bind(2, lease.subscription)
            renew.bind(3, lease.owner)
            renew.bind(4, lease.token)
            _ = try renew.step("renew a subscription lease")
            guard connection.changes == 1 else { return nil }
            return SubscriptionLease(subscription: lease.subscription, owner: lease.owner, token: lease.token, expiresAt: Timestamp.normalize(expiresAt))
        }
    }

    public func releaseLease(_ lease: SubscriptionLease) async throws {
        try await writer.withConnection { connection in
            let release = try connection.statement(
                "UPDATE subscriptions SET lease_owner = NULL, lease_expires_at = 0 WHERE name = ? AND lease_owner = ? AND lease_token = ?"
            )
            defer { release.reset() }
            release.bind(1, lease.subscription)
            release.bind(2, lease.owner)
            release.bind(3, lease.token)
            _ = try release.step("release a subscription lease")
        }
    }

    public func saveProgress(cursor: Int64, inFlightRun: ClosedRange<Int64>?, lease: SubscriptionLease, at date: Date) async throws {
        try await writer.withConnection { connection in
            let update = try connection.statement(
                """
                UPDATE subscriptions SET cursor = max(cursor, ?), run_first = ?, run_last = ?, updated_at = ?
                WHERE name = ? AND lease_token = ?
                """
            )
            defer { update.reset() }
            update.bind(1, cursor)
            update.bind(2, inFlightRun?.lowerBound)
            update.bind(3, inFlightRun?.upperBound)
            update.bind(4, Timestamp.microseconds(date))
            update.bind(5, lease.subscription)
            update.bind(6, lease.token)
            _ = try update.step("store a subscription cursor")
            guard connection.changes == 1 else { throw Self.leaseLost(lease) }
        }
    }

    /// Throws `subscription.lease_lost` unless `lease`'s token is the current one.
    static func checkLease(_ lease: SubscriptionLease, _ connection: SQLiteConnection) throws {
        let check = try connection.statement("SELECT lease_token FROM subscriptions WHERE name = ?")
        defer { check.reset() }
        check.bind(1, lease.subscription)
        guard try check.step("check a subscription lease"), check.int64(0) == lease.token else {
            throw leaseLost(lease)
        }
    }

    static func leaseLost(_ lease: SubscriptionLease) -> BillingError {
        BillingError(
            .leaseLost,
            "The lease of subscription '\(lease.subscription)' (token \(lease.token)) is no longer held by '\(lease.owner)'; nothing was written",
            field: "lease"
        )
    }
}
