@testable import BillingCore
import Foundation
import Testing

@Suite("Canonical JSON")
struct CanonicalJSONTests {
    @Test("Every seed event type has a typed payload that round-trips byte for byte", arguments: SamplePayloads.all.indices)
    func seedEventRoundTrip(index: Int) throws {
        let payload = SamplePayloads.all[index]
        let event = try makeEvent(payload)
        let bytes = event.canonicalJSON
        let decoded = try BillingEvent(canonicalJSON: bytes)
        #expect(decoded == event)
        #expect(decoded.canonicalJSON == bytes)
        #expect(try roundTripPayload(payload, from: decoded))

        // A stored event (with its sequence) round-trips the same way.
        let stored = event.withSequence(42)
        #expect(try BillingEvent(canonicalJSON: stored.canonicalJSON).canonicalJSON == stored.canonicalJSON)
        // And through Codable, which shares the envelope.
        let viaCodable = try JSONDecoder().decode(BillingEvent.self, from: JSONEncoder().encode(stored))
        #expect(viaCodable == stored)
    }

    @Test("The samples cover exactly the 22 built-in types")
    func samplesCoverSeedTypes() {
        let types = SamplePayloads.all.map { type(of: $0).eventType }
        #expect(types == BillingEventType.builtIn)
        #expect(Set(types).count == 22)
    }

    @Test("The same event always gives the same bytes, whatever the key insertion order")
    func deterministicBytes() throws {
        var first: [String: JSONValue] = [:]
        var second: [String: JSONValue] = [:]
        let keys = (0..<50).map { "key-\($0)-\(String(repeating: "z", count: $0 % 7))" }
        for key in keys { first[key] = .string(key) }
        for key in keys.reversed() { second[key] = .string(key) }
        #expect(CanonicalJSON.encode(.object(JSONObject(first))) == CanonicalJSON.encode(.object(JSONObject(second))))
    }

    @Test("Keys sort by UTF-8 bytes and strings escape only what JSON requires")
    func exactForm() throws {
        let value: JSONValue = [
            "b": [1, -2, 3.5, true, nil],
            "a": "slash / quote \" backslash \\ newline \n tab \t bell \u{07} é 😀",
            "B": ["z": 0, "é": 1, "e": 2],
        ]
        let text = CanonicalJSON.string(value)
        #expect(text == #"{"B":{"e":2,"z":0,"é":1},"a":"slash / quote \" backslash \\ newline \n tab \t bell \u0007 é 😀","b":[1,-2,3.5,true,null]}"#)
        #expect(try CanonicalJSON.decode(text) == value)
    }

    @Test("Integers never pass through Double")
    func largeIntegers() throws {
        let value = try CanonicalJSON.decode("[9223372036854775807,-9223372036854775808,9007199254740993,1.0,1e3]")
        #expect(value == [.int(.max), .int(.min), .int(9_007_199_254_740_993), .double(1.0), .double(1000)])
        #expect(CanonicalJSON.string(value) == "[9223372036854775807,-9223372036854775808,9007199254740993,1.0,1000.0]")
    }

    @Test("Invalid JSON is rejected with parse.failure", arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "\"\u{01}\"", "{\"a\":1,\"a\":2}", "[1] x", "nul", "\"\\ud800\"", "\"\\x\"",
    ])
    func rejectsInvalid(text: String) {
        #expect(throws: BillingError.self) { try CanonicalJSON.decode(text) }
        do {
            _ = try CanonicalJSON.decode(text)
        } catch let error as BillingError {
            #expect(error.code == .parseFailure)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("Escaped surrogate pairs decode to one scalar")
    func surrogatePairs() throws {
        #expect(try CanonicalJSON.decode(#""\ud83d\ude00""#) == "😀")
    }

    @Test("Nesting deeper than the limit is rejected")
    func depthLimit() {
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(throws: BillingError.self) { try CanonicalJSON.decode(deep) }
        #expect(throws: Never.self) { try CanonicalJSON.decode(deep, maxDepth: 200) }
    }

    @Test("encodedSize matches the real encoding")
    func encodedSizeMatches() throws {
        var generator = SplitMix64(seed: 7)
        for _ in 0..<300 {
            let value = randomJSON(depth: 0, using: &generator)
            #expect(try CanonicalJSON.encodedSize(of: value, maxDepth: 64) == CanonicalJSON.encode(value).count)
            #expect(try CanonicalJSON.decode(CanonicalJSON.encode(value)) == value)
        }
    }

    @Test("Timestamps are UTC with six fractional digits and parse back exactly")
    func timestamps() throws {
        let date = Date(timeIntervalSince1970: 1_764_358_849.123456)
        #expect(Timestamp.format(date) == "2025-11-28T19:40:49.123456Z")
        #expect(Timestamp.parse("2025-11-28T19:40:49.123456Z") == Timestamp.normalize(date))
        #expect(Timestamp.parse("2025-11-28T20:40:49.123456+01:00") == Timestamp.normalize(date))
        #expect(Timestamp.parse("2025-11-28T19:40:49Z") == Date(timeIntervalSince1970: 1_764_358_849))
        #expect(Timestamp.format(Date(timeIntervalSince1970: -1.5)) == "1969-12-31T23:59:58.500000Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00.000000Z")
        for bad in ["2025-02-29T00:00:00Z", "2025-13-01T00:00:00Z", "2025-11-28 19:40:49Z", "2025-11-28T19:40:49", "2025-11-28T19:40:49.Z"] {
            #expect(Timestamp.parse(bad) == nil, "\(bad)")
        }
        var generator = SplitMix64(seed: 11)
        for _ in 0..<1000 {
            let micros = Int64(generator.next() % 4_102_444_800_000_000)  // up to 2100
            let normalized = Timestamp.date(microseconds: micros)
            #expect(Timestamp.microseconds(normalized) == micros)
            #expect(Timestamp.parse(Timestamp.format(normalized)) == normalized)
        }
    }

    @Test("An envelope with a missing or malformed field names it")
    func malformedEnvelope() throws {
        let event = try makeEvent(SamplePayloads.all[0])
        guard case .object(var object) = event.jsonValue else { return }
        object["timestamp"] = "yesterday"
        do {
            _ = try BillingEvent(json: .object(object))
            Issue.record("expected an error")
        } catch let error as BillingError {
            #expect(error.code == .parseFailure)
            #expect(error.field == "timestamp")
        }
        object.removeValue(forKey: "type")
        #expect(throws: BillingError.self) { try BillingEvent(json: .object(object)) }
    }

    private func makeEvent(_ payload: some BillingEventPayload) throws -> BillingEvent {
        try BillingEvent(
            payload, timestamp: SamplePayloads.date, tenantId: "tenant-1", metadata: ["traceparent": "00-abc-def-01", "attempt": 2],
            idempotencyKey: "key-1", correlationId: "corr-1", causationId: EventID.generate()
        )
    }

    private func roundTripPayload<P: BillingEventPayload>(_ payload: P, from event: BillingEvent) throws -> Bool {
        let decoded = try event.decodePayload(as: P.self)
        return CanonicalJSON.encode(try CanonicalJSON.value(from: decoded)) == CanonicalJSON.encode(try CanonicalJSON.value(from: payload))
    }
}

func randomJSON(depth: Int, using generator: inout SplitMix64) -> JSONValue {
    let choice = depth > 4 ? Int.random(in: 0..<5, using: &generator) : Int.random(in: 0..<7, using: &generator)
    switch choice {
    case 0: return .null
    case 1: return .bool(Bool.random(using: &generator))
    case 2: return .int(Int64.random(in: .min ... .max, using: &generator))
    case 3: return .double(Double.random(in: -1e12...1e12, using: &generator))
    case 4:
        let scalars = (0..<Int.random(in: 0..<12, using: &generator)).map { _ in
            ["a", "\"", "\\", "\n", "\u{01}", "é", "😀", "/", "\u{1F}"].randomElement(using: &generator)!
        }
        return .string(scalars.joined())
    case 5:
        return .array((0..<Int.random(in: 0..<5, using: &generator)).map { _ in randomJSON(depth: depth + 1, using: &generator) })
    default:
        var object: [String: JSONValue] = [:]
        for index in 0..<Int.random(in: 0..<5, using: &generator) {
            object["k\(index)\(["", "é", "\"", "\n"].randomElement(using: &generator)!)"] = randomJSON(depth: depth + 1, using: &generator)
        }
        return .object(JSONObject(object))
    }
}
