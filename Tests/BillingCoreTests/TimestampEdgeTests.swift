@testable import BillingCore
import Foundation
import Testing

/// Timestamps at the edges of what events accept: the years 0000 to 9999, exact
/// microseconds in any of them, and no trap on any `Date`.
@Suite("Timestamps at the edges")
struct TimestampEdgeTests {
    static let noted = try! BillingEventType("ledger.noted")
    static let lastText = "9999-12-31T23:59:59.999999Z"

    /// An event whose timestamp is given as text, through the JSON envelope.
    static func event(at text: String) throws -> BillingEvent {
        try BillingEvent(json: [
            "id": .string(EventID.generate().description), "type": "ledger.noted", "timestamp": .string(text), "payload": [:],
        ])
    }

    @Test("9999-12-31T23:59:59.999999Z round-trips through text and the envelope, as the last accepted instant")
    func lastInstantRoundTrips() throws {
        #expect(Timestamp.parseMicroseconds(Self.lastText) == Timestamp.maxMicroseconds)
        #expect(Timestamp.format(microseconds: Timestamp.maxMicroseconds) == Self.lastText)
        let event = try Self.event(at: Self.lastText)
        #expect(event.timestampMicroseconds == Timestamp.maxMicroseconds)
        #expect(event.jsonValue["timestamp"] == .string(Self.lastText))
        #expect(try BillingEvent(canonicalJSON: event.canonicalJSON) == event)
        try EventValidator().validate(event)
    }

    @Test("The last microseconds of 9999 never become the year 10000 on the way to or from a Date")
    func truncatedAtTheTop() throws {
        // No Date holds 9999-12-31T23:59:59.999999: the nearest one is 10000-01-01.
        let date = try #require(Timestamp.parse(Self.lastText))
        #expect(date < Date(timeIntervalSince1970: 253_402_300_800))
        #expect(Timestamp.format(date).hasPrefix("9999-12-31T23:59:59.9999"))
        #expect(Timestamp.date(microseconds: Timestamp.maxMicroseconds) == date)
        let event = BillingEvent(type: Self.noted, timestamp: date)
        #expect(Timestamp.isInRange(event.timestampMicroseconds))
        try EventValidator().validate(event)
        // The first instant of 10000 itself is out of range.
        #expect(!Timestamp.isInRange(Timestamp.microseconds(Date(timeIntervalSince1970: 253_402_300_800))))
        // Digits past the sixth are truncated in text too.
        #expect(Timestamp.parseMicroseconds("9999-12-31T23:59:59.9999999Z") == Timestamp.maxMicroseconds)
        #expect(Timestamp.parseMicroseconds("2026-01-01T00:00:00.1234569Z") == Timestamp.parseMicroseconds("2026-01-01T00:00:00.123456Z"))
    }

    @Test("Microseconds survive after 2106, where a Date can no longer hold them", arguments: [
        "2106-02-07T06:28:16.000001Z", "2200-06-01T12:00:00.000001Z", "4000-02-29T23:59:59.999999Z", "9000-01-01T00:00:00.000003Z",
    ])
    func exactMicrosecondsLate(text: String) throws {
        let event = try Self.event(at: text)
        #expect(event.jsonValue["timestamp"] == .string(text))
        let again = try BillingEvent(canonicalJSON: event.canonicalJSON)
        #expect(again.timestampMicroseconds == event.timestampMicroseconds)
        #expect(Timestamp.format(microseconds: again.timestampMicroseconds) == text)
    }

    @Test("The first instant of year 0000 is accepted; text outside 0000 to 9999 after its offset is refused")
    func yearRangeInText() throws {
        #expect(Timestamp.parseMicroseconds("0000-01-01T00:00:00Z") == Timestamp.minMicroseconds)
        #expect(Timestamp.format(microseconds: Timestamp.minMicroseconds) == "0000-01-01T00:00:00.000000Z")
        try EventValidator().validate(try Self.event(at: "0000-01-01T00:00:00Z"))
        #expect(Timestamp.parseMicroseconds("9999-12-31T23:30:00-01:00") == nil)
        #expect(Timestamp.parseMicroseconds("0000-01-01T00:30:00+01:00") == nil)
        #expect(throws: BillingError.self) { try Self.event(at: "9999-12-31T23:30:00-01:00") }
    }

    @Test("Dates outside the years 0000 to 9999, and non-finite dates, are refused by the validator without a trap", arguments: [
        1e17, 253_402_300_800, -62_167_219_200.000_01, -1e300, .infinity, -.infinity, .nan,
    ] as [Double])
    func outOfRangeDatesRefused(seconds: Double) throws {
        let event = BillingEvent(type: Self.noted, timestamp: Date(timeIntervalSince1970: seconds))
        #expect(!Timestamp.isInRange(event.timestampMicroseconds))
        let error = #expect(throws: BillingError.self) { try EventValidator().validate(event) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.field == "timestamp")
        // Formatting or converting such an event must not trap either.
        _ = event.canonicalJSON
        _ = event.timestamp
        _ = EventID.generate(at: Date(timeIntervalSince1970: seconds))
        _ = Timestamp.normalize(Date(timeIntervalSince1970: seconds))
    }

    @Test("Ids come from the wall clock: an event stamped 2200 does not move later ids to 2200")
    func idsFromTheWallClock() throws {
        let future = Date(timeIntervalSince1970: 7_258_118_400)  // 2200-01-01
        let stamped = BillingEvent(type: Self.noted, timestamp: future)
        let explicit = EventID.generate(at: future)
        #expect(explicit.timestamp.map { abs($0.timeIntervalSince(future)) < 0.002 } == true)
        let later = EventID.generate()
        let now = Date()
        for id in [stamped.id, later] {
            let embedded = try #require(id.timestamp)
            #expect(abs(embedded.timeIntervalSince(now)) < 60)
        }
        #expect(stamped.id < later)
    }

    @Test("Ids are formatted as lowercase hyphenated UUIDs")
    func idDescription() {
        for _ in 0..<100 {
            let id = EventID.generate()
            #expect(id.description == id.uuid.uuidString.lowercased())
        }
    }
}
