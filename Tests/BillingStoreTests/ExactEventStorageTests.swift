@testable import BillingCore
@testable import BillingStore
import BilingusTestSupport
import Foundation
import Testing

/// Stores keep what the event says to the byte and the microsecond, and read payloads lazily.
private struct Noted: BillingEventPayload {
    static let eventType = ExactEventStorageTests.noted
    let amount: JSONValue?
}

@Suite("Exact timestamps and payloads in storage")
struct ExactEventStorageTests {
    static let noted = try! BillingEventType("ledger.noted")

    /// Events at the edges: the last microsecond of 9999, microseconds long after 2106,
    /// the first instant of year 0000, and payloads with keys a dictionary would merge.
    static func edgeEvents() throws -> [BillingEvent] {
        try [
            "9999-12-31T23:59:59.999999Z", "2200-06-01T12:00:00.000001Z", "2106-02-07T06:28:16.000001Z", "0000-01-01T00:00:00.000000Z",
        ].enumerated().map { index, text in
            try BillingEvent(json: [
                "id": .string(EventID.generate().description), "type": "ledger.noted", "timestamp": .string(text),
                "entityId": "edge", "payload": try CanonicalJSON.decode(#"{"\u00e9":1,"e\u0301":2,"ratio":1.0,"zero":-0.0,"n":"# + "\(index)}"),
            ])
        }
    }

    @Test("Timestamps keep their exact microseconds and payloads their exact bytes through a store", arguments: StoreKind.all)
    func roundTrip(kind: StoreKind) async throws {
        let store = try await kind.make()
        let events = try Self.edgeEvents()
        try EventValidator().validate(batch: events)
        _ = try await store.append(events)
        let read = try await store.events(forEntity: "edge", tenant: .any)
        #expect(read.count == events.count)
        for (original, stored) in zip(events, read) {
            #expect(stored.timestampMicroseconds == original.timestampMicroseconds)
            #expect(stored.canonicalPayload == original.canonicalPayload)
            #expect(stored == original.withSequence(stored.sequence ?? 0))
            #expect(stored.canonicalJSON == original.withSequence(stored.sequence ?? 0).canonicalJSON)
            #expect(stored.payload.objectValue?.count == 5)
        }
        try await store.close()
    }

    @Test("A SQLite file written, closed and reopened gives back the same microseconds and bytes")
    func reopenedFile() async throws {
        let path = TemporaryFiles.newPath()
        let events = try Self.edgeEvents()
        let writer = try SQLiteEventStore(path: path)
        _ = try await writer.append(events)
        try await writer.close()
        let reader = try SQLiteEventStore(path: path)
        let read = try await reader.events(forEntity: "edge", tenant: .any)
        #expect(read.map(\.timestampMicroseconds) == events.map(\.timestampMicroseconds))
        #expect(read.map { Timestamp.format(microseconds: $0.timestampMicroseconds) }.first == "9999-12-31T23:59:59.999999Z")
        #expect(read.map(\.canonicalPayload) == events.map(\.canonicalPayload))
        try await reader.close()
    }

    @Test("A payload read from SQLite is parsed on first access; unreadable bytes surface as storage.corrupt")
    func lazyPayload() async throws {
        let path = TemporaryFiles.newPath()
        let store = try SQLiteEventStore(path: path)
        let event = BillingEvent(type: Self.noted, payload: ["amount": ["minorUnits": 1250, "currency": "EUR"]], entityId: "lazy")
        _ = try await store.append([event])
        let read = try #require(try await store.event(id: event.id))
        #expect(read.payload == event.payload)
        #expect(read == event.withSequence(1))
        try await store.close()

        let connection = try SQLiteConnection(path: path, mode: .readWrite)
        try connection.execute("UPDATE events SET payload = '{\"amount\":' ", "damage the payload")
        connection.close()
        let reopened = try SQLiteEventStore(path: path)
        let damaged = try #require(try await reopened.event(id: event.id))
        let error = #expect(throws: BillingError.self) { _ = try damaged.decodePayload(as: Noted.self) }
        #expect(error?.code == .storageCorrupt)
        #expect(damaged.payload == .null)
        // Read the other way round: the payload first, then the typed decode.
        let readFirst = try #require(try await reopened.event(id: event.id))
        #expect(readFirst.payload == .null)
        let again = #expect(throws: BillingError.self) { _ = try readFirst.decodePayload(as: Noted.self) }
        #expect(again?.code == .storageCorrupt, "the same error whichever is read first")
        try await reopened.close()
    }
}
