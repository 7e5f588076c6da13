import BillingCore
@testable import BillingPlugins
import BillingTesting
import Foundation
import Testing

/// The pure rules under webhook delivery: the retry schedule, what an answer means,
/// and the request body and message id.
@Suite("Webhook delivery rules")
struct WebhookDeliveryRulesTests {
    @Test("The standard schedule is Svix's: 8 attempts over about 27 hours, jittered within ±10%")
    func standardSchedule() {
        let schedule = WebhookRetrySchedule.standard
        #expect(schedule.maxAttempts == 8)
        let planned: [Int64] = [5, 300, 1800, 7200, 18_000, 36_000, 36_000]
        var generator = SeededRandomNumberGenerator(seed: 42)
        for (index, seconds) in planned.enumerated() {
            let delay = try! #require(schedule.delay(afterAttempt: index + 1, using: &generator))
            #expect(delay >= .milliseconds(seconds * 900) && delay <= .milliseconds(seconds * 1100), "after attempt \(index + 1): \(delay)")
        }
        #expect(schedule.delay(afterAttempt: 8, using: &generator) == nil, "the eighth attempt is the last")
        #expect(schedule.delay(afterAttempt: 0, using: &generator) == nil)
        #expect(schedule.delays == planned.map { .seconds($0) }, "the schedule itself, not only its jittered draws")
    }

    @Test("Retry-After waits longer than the schedule, never shorter, and at most maxRetryAfter")
    func retryAfter() throws {
        let schedule = try WebhookRetrySchedule(delays: [.seconds(5), .seconds(300)], jitter: 0, maxRetryAfter: .seconds(3600))
        var generator = SeededRandomNumberGenerator(seed: 1)
        #expect(schedule.delay(afterAttempt: 1, retryAfter: .seconds(60), using: &generator) == .seconds(60))
        #expect(schedule.delay(afterAttempt: 2, retryAfter: .seconds(60), using: &generator) == .seconds(300))
        #expect(schedule.delay(afterAttempt: 1, retryAfter: .seconds(86_400), using: &generator) == .seconds(3600))
        #expect(throws: BillingError.self) { try WebhookRetrySchedule(delays: [.seconds(-1)]) }
        #expect(throws: BillingError.self) { try WebhookRetrySchedule(delays: [], jitter: 1.5) }
    }

    @Test("Only a 2xx delivers; 410 is gone; 429, 502, 503, 504 slow down with Retry-After; everything else, and no answer, fails")
    func outcomes() {
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        for status in [200, 201, 204, 299] { #expect(WebhookResponseOutcome(status: status, retryAfter: nil, now: now) == .delivered) }
        #expect(WebhookResponseOutcome(status: 410, retryAfter: nil, now: now) == .gone)
        for status in [301, 302, 304, 400, 401, 404, 500, 501, 505] {
            #expect(WebhookResponseOutcome(status: status, retryAfter: "30", now: now) == .failed(slowDown: false, retryAfter: nil), "\(status)")
        }
        #expect(WebhookResponseOutcome(status: nil, retryAfter: nil, now: now) == .failed(slowDown: false, retryAfter: nil))
        #expect(WebhookResponseOutcome(status: 429, retryAfter: "120", now: now) == .failed(slowDown: true, retryAfter: .seconds(120)))
        #expect(WebhookResponseOutcome(status: 503, retryAfter: nil, now: now) == .failed(slowDown: true, retryAfter: nil))
        #expect(WebhookResponseOutcome(status: 502, retryAfter: "soon", now: now) == .failed(slowDown: true, retryAfter: nil))
        // 1_790_000_000 is 21 Sep 2026 14:13:20 GMT.
        #expect(WebhookResponseOutcome.retryAfter("Sun, 21 Sep 2026 14:15:20 GMT", now: now) == .seconds(120))
        #expect(WebhookResponseOutcome.retryAfter("Sun, 21 Sep 2026 14:00:00 GMT", now: now) == .seconds(0), "a date in the past: at once")
        #expect(WebhookResponseOutcome.retryAfter(" 7 ", now: now) == .seconds(7))
        #expect(WebhookResponseOutcome.retryAfter("in a while", now: now) == nil)
    }

    @Test("The body is canonical JSON of type, timestamp, data, id and tenantId; the message id is stable per event and endpoint")
    func bodyAndMessageId() throws {
        let event = try BillingEvent(
            UserCreated(user: UserSnapshot(id: "u-1", email: "ada@example.com", name: "Ада")),
            id: EventID("01890a5d-ac96-774b-bcce-b302099a8057"), timestamp: Date(timeIntervalSince1970: 1_790_000_000.123_456), tenantId: "acme")
        let body = String(decoding: WebhookPayload.body(for: event), as: UTF8.self)
        #expect(
            body
                == #"{"data":{"user":{"email":"ada@example.com","id":"u-1","name":"Ада"}},"id":"01890a5d-ac96-774b-bcce-b302099a8057","tenantId":"acme","timestamp":"2026-09-21T14:13:20.123456Z","type":"user.created"}"#
        )
        let untenanted = BillingEvent(type: .userCreated, payload: [:], timestamp: Date(timeIntervalSince1970: 0))
        #expect(String(decoding: WebhookPayload.body(for: untenanted), as: UTF8.self).contains(#""tenantId":null"#))
        // The payload's bytes are spliced in as stored: the whole is still the canonical encoding of the object.
        let tricky = BillingEvent(
            type: try BillingEventType("shipment.sent"), payload: ["note": "a \"quote\", a tab\t, ß and 😀", "z": [1, 2.5, true, .null], "a": ["b": [:]]],
            tenantId: "t-ü\"x")
        let object: JSONObject = [
            "data": tricky.payload, "id": .string(tricky.id.description), "tenantId": .string("t-ü\"x"),
            "timestamp": .string(Timestamp.format(microseconds: tricky.timestampMicroseconds)), "type": "shipment.sent",
        ]
        #expect(WebhookPayload.body(for: tricky) == CanonicalJSON.encode(.object(object)))

        let id = WebhookPayload.messageId(eventId: event.id, endpointId: "ep_1")
        #expect(id == WebhookPayload.messageId(eventId: event.id, endpointId: "ep_1"))
        #expect(id != WebhookPayload.messageId(eventId: event.id, endpointId: "ep_2"))
        #expect(id.hasPrefix("msg_") && id.count == 36 && !id.contains("."))
    }
}
