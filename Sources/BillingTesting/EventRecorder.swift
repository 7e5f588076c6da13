public import BillingCore
import Synchronization

/// Records every event published through a bus, and waits for the ones a test expects.
///
/// ```swift
/// let recorder = EventRecorder(bus: bus)
/// try await bus.publish(PaymentInitiated(payment: payment))
/// let completed = try await recorder.expect(.paymentCompleted, within: .seconds(1))
/// ```
public final class EventRecorder: Sendable {
    private struct State {
        var events: [BillingEvent] = []
        var waiters: [Int: Waiter] = [:]
        var nextID = 0
    }

    private struct Waiter {
        let matches: @Sendable (BillingEvent) -> Bool
        let continuation: CheckedContinuation<BillingEvent?, Never>
    }

    private let state = Locked(State())
    private let subscription: EventSubscription

    /// Starts recording the events of `bus` that match `patterns` (everything by default).
    public init(bus: EventBus, matching patterns: [EventPattern] = [.all]) {
        let state = Box()
        subscription = bus.subscribe(pattern: .all, name: "billing-testing.recorder") { event in
            guard patterns.contains(where: { $0.matches(event.type) }) else { return }
            state.recorder?.record(event)
        }
        state.recorder = self
    }

    /// Lets the subscription closure reach the recorder without a retain cycle.
    private final class Box: @unchecked Sendable {
        weak var recorder: EventRecorder?
    }

    deinit {
        subscription.cancel()
    }

    /// Every recorded event, in the order the handler saw them.
    public var events: [BillingEvent] {
        state.withLock { $0.events }
    }

    /// The recorded events of one type.
    public func events(of type: BillingEventType) -> [BillingEvent] {
        events.filter { $0.type == type }
    }

    /// Forgets what was recorded.
    public func reset() {
        state.withLock { $0.events.removeAll() }
    }

    func record(_ event: BillingEvent) {
        let ready = state.withLock { state -> [CheckedContinuation<BillingEvent?, Never>] in
            state.events.append(event)
            let matched = state.waiters.filter { $0.value.matches(event) }
            for id in matched.keys { state.waiters.removeValue(forKey: id) }
            return matched.values.map(\.continuation)
        }
        for waiter in ready { waiter.resume(returning: event) }
    }

    /// Waits (in real time) for an event of `type` satisfying `condition`; one already
    /// recorded counts.
    /// - Throws: ``ExpectationFailed`` listing what was recorded, if none came in time.
    @discardableResult
    public func expect(
        _ type: BillingEventType,
        within timeout: Duration = .seconds(1),
        where condition: @escaping @Sendable (BillingEvent) -> Bool = { _ in true }
    ) async throws -> BillingEvent {
        let matches: @Sendable (BillingEvent) -> Bool = { $0.type == type && condition($0) }
        if let found = await waitFor(matches, timeout: timeout) {
            return found
        }
        throw ExpectationFailed("expected \(type) within \(timeout); recorded: \(events.map(\.type.rawValue))")
    }

    /// Checks that no event of `type` arrives within `duration` (real time).
    public func expectNone(_ type: BillingEventType, within duration: Duration = .milliseconds(200)) async throws {
        if let found = await waitFor({ $0.type == type }, timeout: duration) {
            throw ExpectationFailed("expected no \(type) within \(duration), but \(found.id) arrived")
        }
    }

    private func waitFor(_ matches: @escaping @Sendable (BillingEvent) -> Bool, timeout: Duration) async -> BillingEvent? {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        let found = await withDeadline(timeout, clock: ContinuousClock()) {
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<BillingEvent?, Never>) in
                    let existing = self.state.withLock { state -> BillingEvent?? in
                        if let found = state.events.first(where: matches) { return .some(found) }
                        if Task.isCancelled { return .some(nil) }
                        state.waiters[id] = Waiter(matches: matches, continuation: continuation)
                        return nil
                    }
                    if let existing { continuation.resume(returning: existing) }
                }
            } onCancel: {
                let waiter = self.state.withLock { $0.waiters.removeValue(forKey: id) }
                waiter?.continuation.resume(returning: nil)
            }
        }
        if case .completed(let event) = found { return event }
        return nil
    }
}

/// A test expectation that was not met.
public struct ExpectationFailed: Error, CustomStringConvertible {
    /// What was expected and what happened.
    public let description: String

    /// Creates the failure.
    public init(_ description: String) {
        self.description = description
    }
}
