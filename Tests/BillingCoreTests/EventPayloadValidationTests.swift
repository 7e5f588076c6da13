@testable import BillingCore
import BillingStore
import Foundation
import Synchronization
import Testing

/// Raw events of registered types must carry a payload that decodes as their typed payload.
@Suite("Event payload validation")
struct EventPayloadValidationTests {
    private static let completed = try! CanonicalJSON.value(from: SamplePayloads.all[19])  // payment.completed

    @Test("A bad payload of a built-in type is refused at publish, naming the field but not the value", arguments: [
        (["payment", "amount", "currency"], JSONValue.string("XYZ"), "'payment.amount.currency' has an invalid value (money.unknown_currency)"),
        (["payment", "status"], JSONValue?.none, "'payment.status' is missing"),
        (["payment", "amount", "minorUnits"], .string("2380"), "'payment.amount.minorUnits' is not an integer that fits Int64"),
        (["payment", "createdAt"], .string("yesterday"), "'payment.createdAt' is not an ISO 8601 timestamp"),
        (["payment", "userId"], .null, "'payment.userId' is null; expected a string"),
        (["payment"], .array([1, 2]), "'payment' is not an object"),
    ])
    func badBuiltInPayload(path: [String], replacement: JSONValue?, reason: String) async throws {
        let store = InMemoryEventStore()
        let bus = EventBus(store: store)
        let event = BillingEvent(type: .paymentCompleted, payload: Self.completed.setting(path, to: replacement))
        let error = try await #require(throws: BillingError.self) { try await bus.publish(event) }
        #expect(error.code == .invalidArgument)
        #expect(error.field == "payload")
        #expect(error.message == "The payload of type payment.completed does not match its schema: \(reason)")
        if let replacement, replacement != .null {
            #expect(!error.description.contains(CanonicalJSON.string(replacement)), "the value is not echoed")
        }
        #expect(try await store.headSequence() == 0, "nothing is stored")
    }

    @Test("An empty or non-object payload fails for every built-in type", arguments: BillingEventType.builtIn)
    func emptyPayload(type: BillingEventType) throws {
        let validator = EventValidator()
        for payload: JSONValue in [[:], "text", nil] {
            let error = try #require(throws: BillingError.self) { try validator.validate(BillingEvent(type: type, payload: payload)) }
            #expect(error.code == .invalidArgument)
            #expect(error.message.hasPrefix("The payload of type \(type) does not match its schema: "))
        }
    }

    @Test("Good raw payloads of every built-in type are stored")
    func goodRawPayloads() async throws {
        let store = InMemoryEventStore()
        let bus = EventBus(store: store)
        for payload in SamplePayloads.all {
            let type = Swift.type(of: payload).eventType
            try await bus.publish(BillingEvent(type: type, payload: try CanonicalJSON.value(from: payload)))
        }
        #expect(try await store.headSequence() == 22)
    }

    @Test("Events built from the registered payload struct are not decoded again; raw ones are")
    func typedEventsSkipTheDecode() throws {
        let validator = EventValidator(payloadTypes: EventPayloadTypes([CountedPayload.self]))
        let typed = try BillingEvent(CountedPayload(points: 5))
        try validator.validate(typed)
        try validator.validate(typed.withSequence(7))
        try validator.validate(batch: [typed, typed])
        #expect(CountedPayload.decodes.withLock { $0 } == 0)

        let raw = BillingEvent(type: CountedPayload.eventType, payload: typed.payload)
        try validator.validate(raw)
        #expect(CountedPayload.decodes.withLock { $0 } == 1)
        // How an event was made is not part of what it is.
        #expect(BillingEvent(id: typed.id, type: typed.type, payload: typed.payload, timestamp: typed.timestamp) == typed)
    }

    @Test("A typed event of another struct than the registered one is checked against the registered one")
    func otherTypedPayloadIsChecked() throws {
        let strict = EventValidator(payloadTypes: EventPayloadTypes([StrictPaymentCompleted.self]))
        let event = try BillingEvent(PaymentCompleted(payment: SamplePayloads.payment))
        let error = try #require(throws: BillingError.self) { try strict.validate(event) }
        #expect(error.message.hasSuffix("'approvedBy' is missing"))
        try EventValidator().validate(event)
    }

    @Test("A host's own payload type is validated once registered")
    func hostType() throws {
        var payloadTypes = EventPayloadTypes.builtIn
        payloadTypes.register(PointsEarned.self)
        #expect(payloadTypes.contains(PointsEarned.eventType))
        #expect(payloadTypes.eventTypes.count == 23)
        let validator = EventValidator(payloadTypes: payloadTypes)

        try validator.validate(BillingEvent(type: PointsEarned.eventType, payload: ["userId": "u-1", "points": 10]))
        let error = try #require(throws: BillingError.self) {
            try validator.validate(BillingEvent(type: PointsEarned.eventType, payload: ["userId": "u-1", "points": 3.5]))
        }
        #expect(error.message == "The payload of type loyalty.points_earned does not match its schema: 'points' has an invalid value")
        // Without the registration the same event passes: the type is not known.
        try EventValidator().validate(BillingEvent(type: PointsEarned.eventType, payload: ["points": 3.5]))
    }

    @Test("Unregistered types pass, and an empty registry checks nothing")
    func unregisteredTypes() throws {
        try EventValidator().validate(BillingEvent(type: try BillingEventType("subscription.renewed"), payload: ["anything": [1, "x"]]))
        try EventValidator(payloadTypes: EventPayloadTypes()).validate(BillingEvent(type: .paymentCompleted, payload: [:]))
        #expect(EventPayloadTypes().eventTypes.isEmpty)
        #expect(EventPayloadTypes.builtIn.eventTypes == Set(BillingEventType.builtIn))
    }

    @Test("Limits are checked before the schema, and a batch names the event at fault")
    func orderAndBatch() throws {
        let validator = EventValidator(limits: EventLimits(maxPayloadBytes: 64))
        let big = BillingEvent(type: .paymentCompleted, payload: ["blob": .string(String(repeating: "x", count: 100))])
        let limitError = try #require(throws: BillingError.self) { try validator.validate(big) }
        #expect(limitError.code == .limitExceeded)

        let good = BillingEvent(type: .userDeleted, payload: ["userId": "u-1"])
        let bad = BillingEvent(type: .userDeleted, payload: ["userId": 1])
        let error = try #require(throws: BillingError.self) { try EventValidator().validate(batch: [good, bad]) }
        #expect(error.message == "Event 1 of the batch: The payload of type user.deleted does not match its schema: 'userId' is not a string")
    }
}

/// A host payload whose decoding is counted, to see when validation decodes.
private struct CountedPayload: BillingEventPayload, Hashable {
    static let eventType = try! BillingEventType("test.counted")
    static let decodes = Locked(0)

    var points: Int

    init(points: Int) { self.points = points }

    private enum CodingKeys: CodingKey { case points }

    init(from decoder: any Decoder) throws {
        Self.decodes.withLock { $0 += 1 }
        points = try decoder.container(keyedBy: CodingKeys.self).decode(Int.self, forKey: .points)
    }
}

/// A host's stricter schema for `payment.completed`.
private struct StrictPaymentCompleted: BillingEventPayload {
    static let eventType = BillingEventType.paymentCompleted
    var payment: PaymentSnapshot
    var approvedBy: String
}

/// A host-defined event type.
private struct PointsEarned: BillingEventPayload {
    static let eventType = try! BillingEventType("loyalty.points_earned")
    var userId: String?
    var points: Int
}
