/// The storage conformance kit: the semantics that BillingCore's storage protocols
/// (`EventStore`, `SubscriptionStore`, `PluginRecordStore`, `PluginStateStore`)
/// state, as named checks that any package runs against its own backend.
///
/// Every backend of Bilingus passes all of them, so one behaves exactly like another.
/// A check calls the factory once and needs a new, empty store from it; it closes
/// the store when done. Run each check as its own Swift Testing case:
///
/// ```swift
/// import BillingStorageConformance
/// import Testing
///
/// @Test(arguments: StorageConformance.all)
/// func conformance(_ check: StorageConformanceCheck) async throws {
///     try await check.run(with: { try MyStore() })
/// }
/// ```
///
/// Checks pass every time explicitly (`now:`, `at:`), so they never depend on the
/// clock. The kit imports no test framework: XCTest or a plain executable runs the
/// checks the same way and reports the thrown ``ConformanceFailure``.
public enum StorageConformance {
    /// Appends, idempotency, filters, pages and streams, and `close()`.
    public static let eventStore: [StorageConformanceCheck] = [
        EventAppendChecks.all, EventIdempotencyChecks.all, EventFilterChecks.all, EventPagingChecks.all, EventStoreLifecycleChecks.all,
    ].flatMap(\.self)

    /// Registration, leases and fencing, progress, attempt records and dead letters.
    public static let subscriptionStore: [StorageConformanceCheck] = [
        SubscriptionRegistrationChecks.all, LeaseChecks.all, FencingChecks.all, ProgressChecks.all, AttemptChecks.all,
        DeadLetterChecks.all, RedeliveryChecks.all,
    ].flatMap(\.self)

    /// Installed-plugin records.
    public static let pluginRecordStore: [StorageConformanceCheck] = PluginRecordChecks.all

    /// Plugins' own key-value state: conditions, versions, expiry, listing.
    public static let pluginStateStore: [StorageConformanceCheck] = [PluginStateWriteChecks.all, PluginStateListingChecks.all].flatMap(\.self)

    /// Outgoing-webhook endpoints: round trip, tenant scopes, paging, compare-and-set, deletion.
    public static let webhookEndpointStore: [StorageConformanceCheck] = WebhookEndpointChecks.all

    /// Webhook messages: enqueue once, claims and their lapse, settlement by the holder, the log, requeue, pruning.
    public static let webhookMessageStore: [StorageConformanceCheck] = WebhookMessageChecks.all

    /// The audit log: compare-and-set appends, exact entries, queries, checkpoints, retention's cut.
    public static let auditLogStore: [StorageConformanceCheck] = AuditLogChecks.all

    /// Every check, suite by suite.
    public static var all: [StorageConformanceCheck] {
        [eventStore, subscriptionStore, pluginRecordStore, pluginStateStore, webhookEndpointStore, webhookMessageStore, auditLogStore].flatMap(\.self)
    }
}
