@testable import BillingCore
import BillingStore
import Foundation
import Testing

/// One test per limit in ``EventLimits``: the violation names its field, and nothing is stored.
@Suite("Event validation limits")
struct EventValidationTests {
    let store = InMemoryEventStore()

    private func bus(_ limits: EventLimits) -> EventBus {
        EventBus(store: store, configuration: .init(limits: limits))
    }

    private func expectRejected(
        _ event: BillingEvent, limits: EventLimits = EventLimits(), code: BillingError.Code = .limitExceeded, field: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        do {
            try await bus(limits).publish(event)
            Issue.record("event was accepted", sourceLocation: sourceLocation)
        } catch let error as BillingError {
            #expect(error.code == code, sourceLocation: sourceLocation)
            #expect(error.field == field, sourceLocation: sourceLocation)
        }
        #expect(try await store.headSequence() == 0, "nothing may be stored", sourceLocation: sourceLocation)
    }

    @Test("Payload size: 256 KiB by default")
    func payloadSize() async throws {
        // A type without a registered payload, so only the size decides.
        let blob = try BillingEventType("test.blob")
        let big = String(repeating: "x", count: 256 * 1024)
        try await expectRejected(BillingEvent(type: blob, payload: ["blob": .string(big)]), field: "payload")
        // One byte over a configured limit is rejected; exactly at the limit is fine.
        let overhead = #"{"blob":""}"#.utf8.count
        let exact = String(repeating: "x", count: 1000 - overhead)
        try await expectRejected(BillingEvent(type: blob, payload: ["blob": .string(exact + "x")]), limits: EventLimits(maxPayloadBytes: 1000), field: "payload")
        try await bus(EventLimits(maxPayloadBytes: 1000)).publish(BillingEvent(type: blob, payload: ["blob": .string(exact)]))
        #expect(try await store.headSequence() == 1)
    }

    @Test("JSON depth")
    func depth() async throws {
        var value: JSONValue = 1
        for _ in 0..<5 { value = [value] }
        try await expectRejected(BillingEvent(type: .userCreated, payload: value), limits: EventLimits(maxJSONDepth: 4), field: "payload")
        try await expectRejected(BillingEvent(type: .userCreated, metadata: ["deep": value]), limits: EventLimits(maxJSONDepth: 4), field: "metadata")
    }

    @Test("Non-finite numbers cannot be stored as JSON")
    func nonFinite() async throws {
        try await expectRejected(BillingEvent(type: .userCreated, payload: ["x": .double(.nan)]), code: .invalidArgument, field: "payload")
        try await expectRejected(BillingEvent(type: .userCreated, payload: ["x": .double(.infinity)]), code: .invalidArgument, field: "payload")
    }

    @Test("Metadata entries")
    func metadataEntries() async throws {
        let metadata = Dictionary(uniqueKeysWithValues: (0..<65).map { ("k\($0)", JSONValue.int(Int64($0))) })
        try await expectRejected(BillingEvent(type: .userCreated, metadata: metadata), field: "metadata")
    }

    @Test("Metadata key length")
    func metadataKeyLength() async throws {
        try await expectRejected(BillingEvent(type: .userCreated, metadata: [String(repeating: "k", count: 129): 1]), field: "metadata")
        try await expectRejected(BillingEvent(type: .userCreated, metadata: ["": 1]), field: "metadata")
    }

    @Test("Metadata value size")
    func metadataValueSize() async throws {
        try await expectRejected(BillingEvent(type: .userCreated, metadata: ["k": .string(String(repeating: "v", count: 4096))]), field: "metadata")
    }

    @Test("Identifier lengths", arguments: ["tenantId", "userId", "entityId", "idempotencyKey", "correlationId"])
    func identifierLength(field: String) async throws {
        let long = String(repeating: "i", count: 256)
        try await expectRejected(event(setting: field, to: long), field: field)
        try await expectRejected(event(setting: field, to: ""), code: .invalidArgument, field: field)
        try await expectRejected(event(setting: field, to: "a\u{0}b"), code: .invalidArgument, field: field)
        try await expectRejected(event(setting: field, to: "a\u{7F}b"), code: .invalidArgument, field: field)
        try await expectRejected(event(setting: field, to: "é\u{85}"), code: .invalidArgument, field: field)
        // Non-ASCII text is fine.
        try await bus(EventLimits()).publish(event(setting: field, to: "счёт-№1"))
        // 255 bytes is fine.
        try await bus(EventLimits()).publish(event(setting: field, to: String(repeating: "i", count: 255)))
        #expect(try await store.headSequence() == 2)
    }

    @Test("Batch size")
    func batchSize() async throws {
        let events = (0..<11).map { _ in BillingEvent(type: .userCreated) }
        try await expectRejectedBatch(events, limits: EventLimits(maxBatchSize: 10), code: .limitExceeded, field: "events")
        try await expectRejectedBatch([], limits: EventLimits(), code: .invalidArgument, field: "events")
    }

    @Test("Schema version")
    func schemaVersion() async throws {
        try await expectRejected(BillingEvent(type: .userCreated, schemaVersion: 0), code: .invalidArgument, field: "schemaVersion")
    }

    @Test("Error messages never echo the offending value")
    func noValueInMessages() async throws {
        let secret = "sk_live_" + String(repeating: "s", count: 300)
        do {
            try await bus(EventLimits()).publish(BillingEvent(type: .userCreated, tenantId: secret))
        } catch let error as BillingError {
            #expect(!error.description.contains("sk_live_"))
        }
    }

    private func expectRejectedBatch(_ events: [BillingEvent], limits: EventLimits, code: BillingError.Code, field: String) async throws {
        do {
            try await bus(limits).publish(events)
            Issue.record("batch was accepted")
        } catch let error as BillingError {
            #expect(error.code == code)
            #expect(error.field == field)
        }
        #expect(try await store.headSequence() == 0)
    }

    private func event(setting field: String, to value: String) -> BillingEvent {
        BillingEvent(
            type: .userCreated,
            payload: .sample(.userCreated),
            tenantId: field == "tenantId" ? value : nil,
            userId: field == "userId" ? value : nil,
            entityId: field == "entityId" ? value : nil,
            idempotencyKey: field == "idempotencyKey" ? value : nil,
            correlationId: field == "correlationId" ? value : nil
        )
    }
}
