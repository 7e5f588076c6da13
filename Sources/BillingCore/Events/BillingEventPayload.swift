/// A typed event payload: a Codable struct that names its event type.
///
/// Conforming types make publishing and subscribing type-checked:
/// `bus.publish(InvoicePaid(...))` stores an `invoice.paid` event, and
/// `bus.subscribe(to: InvoicePaid.self) { payload, event in ... }` hands back the
/// decoded struct. The payload is stored as canonical JSON, so adding an optional
/// field later stays compatible with events already stored.
public protocol BillingEventPayload: Codable, Sendable {
    /// The event type this payload is published as.
    static var eventType: BillingEventType { get }
    /// The schema version written with the event (default 1); bump it on breaking changes.
    static var schemaVersion: Int { get }
    /// The entity the event is about; becomes ``BillingEvent/entityId`` unless the publisher overrides it.
    var eventEntityId: String? { get }
    /// The user the event concerns; becomes ``BillingEvent/userId`` unless the publisher overrides it.
    var eventUserId: String? { get }
}

extension BillingEventPayload {
    public static var schemaVersion: Int { 1 }
    public var eventEntityId: String? { nil }
    public var eventUserId: String? { nil }
}
