import Synchronization

/// A handler invoked for every published event that matches.
public typealias EventHandler = @Sendable (BillingEvent) async throws -> Void

/// The handle returned by `subscribe`: keep it to cancel the subscription.
///
/// Dropping the handle does not cancel anything (the specification's `subscribe` has
/// no handle at all); call ``cancel()`` to stop receiving events.
public final class EventSubscription: Sendable, Hashable {
    /// A label used in logs and metrics (`billing.handler`); `anonymous` when none was given.
    public let name: String
    /// The event types this subscription receives.
    public let pattern: EventPattern

    let id: Int
    private let registry: HandlerRegistry

    init(id: Int, name: String, pattern: EventPattern, registry: HandlerRegistry) {
        self.id = id
        self.name = name
        self.pattern = pattern
        self.registry = registry
    }

    /// Stops delivering events to the handler. Deliveries already running finish.
    /// Calling it again does nothing.
    public func cancel() {
        registry.remove(id)
    }

    /// Whether the handler still receives events.
    public var isActive: Bool {
        registry.contains(id)
    }

    public static func == (lhs: EventSubscription, rhs: EventSubscription) -> Bool {
        lhs === rhs
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(ObjectIdentifier(self))
    }
}

/// The inline handlers of one bus. Reads (every publish) vastly outnumber writes
/// (subscribe, cancel), so publishers take a snapshot under a short lock.
final class HandlerRegistry: Sendable {
    struct Registration: Sendable {
        let id: Int
        let name: String
        let pattern: EventPattern
        let handler: EventHandler
    }

    private struct State {
        var nextID = 1
        var registrations: [Int: Registration] = [:]
    }

    private let state = Locked(State())

    func add(name: String?, pattern: EventPattern, handler: @escaping EventHandler) -> EventSubscription {
        let registration = state.withLock { state -> Registration in
            let id = state.nextID
            state.nextID += 1
            // A generated id would make an unbounded metric dimension (`handler`).
            let registration = Registration(id: id, name: name ?? "anonymous", pattern: pattern, handler: handler)
            state.registrations[id] = registration
            return registration
        }
        return EventSubscription(id: registration.id, name: registration.name, pattern: pattern, registry: self)
    }

    func remove(_ id: Int) {
        _ = state.withLock { $0.registrations.removeValue(forKey: id) }
    }

    func contains(_ id: Int) -> Bool {
        state.withLock { $0.registrations[id] != nil }
    }

    /// The registrations matching `type`, in subscription order.
    func matching(_ type: BillingEventType) -> [Registration] {
        state.withLock { state in
            state.registrations.values.filter { $0.pattern.matches(type) }
        }
        .sorted { $0.id < $1.id }
    }
}
