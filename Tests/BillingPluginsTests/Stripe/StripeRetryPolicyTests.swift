import BillingTesting
import Testing

@testable import BillingPlugins

@Suite("StripeRetryPolicy")
struct StripeRetryPolicyTests {
    static func response(_ status: Int, shouldRetry: Bool? = nil, retryAfter: Duration? = nil) -> StripeAttemptOutcome {
        .response(status: status, shouldRetry: shouldRetry, retryAfter: retryAfter)
    }

    static func decision(_ outcome: StripeAttemptOutcome, attempt: Int = 1, policy: StripeRetryPolicy = StripeRetryPolicy(), seed: UInt64 = 7) -> StripeRetryDecision {
        var generator = SeededRandomNumberGenerator(seed: seed)
        return policy.decision(afterAttempt: attempt, outcome: outcome, using: &generator)
    }

    static func retries(_ outcome: StripeAttemptOutcome, attempt: Int = 1) -> Bool {
        decision(outcome, attempt: attempt) != .stop
    }

    @Test("Defaults: two retries, 0.5 s doubling to 5 s, Retry-After up to 60 s")
    func defaults() {
        let policy = StripeRetryPolicy()
        #expect(policy.maxRetries == 2)
        #expect(policy.initialDelay == .milliseconds(500))
        #expect(policy.maxDelay == .seconds(5))
        #expect(policy.maxRetryAfter == .seconds(60))
    }

    @Test("Connection failures, 409, 429 and 5xx are retried; other 4xx, 2xx and 3xx are not")
    func statuses() {
        #expect(Self.retries(.connectionFailed))
        for status in [409, 429, 500, 502, 503, 504, 599] {
            #expect(Self.retries(Self.response(status)), "status \(status)")
        }
        for status in [200, 201, 204, 301, 304, 400, 401, 402, 403, 404, 408, 422, 424] {
            #expect(!Self.retries(Self.response(status)), "status \(status)")
        }
    }

    @Test("Stripe-Should-Retry decides first: true retries a 400, false stops a 500 and a 409")
    func shouldRetryHeader() {
        #expect(Self.retries(Self.response(400, shouldRetry: true)))
        #expect(Self.retries(Self.response(402, shouldRetry: true)))
        #expect(!Self.retries(Self.response(500, shouldRetry: false)))
        #expect(!Self.retries(Self.response(409, shouldRetry: false)))
        #expect(!Self.retries(Self.response(429, shouldRetry: false)))
        // A success is final whatever the header says.
        #expect(!Self.retries(Self.response(200, shouldRetry: true)))
    }

    @Test("Stop once attempt > maxRetries")
    func limit() {
        #expect(Self.retries(.connectionFailed, attempt: 1))
        #expect(Self.retries(.connectionFailed, attempt: 2))
        #expect(!Self.retries(.connectionFailed, attempt: 3))
        #expect(!Self.retries(Self.response(500, shouldRetry: true), attempt: 3))
        let none = StripeRetryPolicy(maxRetries: 0)
        #expect(Self.decision(.connectionFailed, policy: none) == .stop)
        let five = StripeRetryPolicy(maxRetries: 5)
        #expect(Self.decision(.connectionFailed, attempt: 5, policy: five) != .stop)
        #expect(Self.decision(.connectionFailed, attempt: 6, policy: five) == .stop)
    }

    @Test("Delay doubles from 0.5 s to 5 s and is jittered within [delay / 2, delay], never below 0.5 s")
    func backoffBounds() {
        let policy = StripeRetryPolicy(maxRetries: 100)
        let ceilings: [Duration] = [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(5), .seconds(5), .seconds(5)]
        for (index, ceiling) in ceilings.enumerated() {
            let attempt = index + 1
            var seen: Set<Duration> = []
            for seed in UInt64(0)..<200 {
                guard case .retry(let delay) = Self.decision(.connectionFailed, attempt: attempt, policy: policy, seed: seed) else {
                    Issue.record("attempt \(attempt) was not retried")
                    continue
                }
                #expect(delay <= ceiling, "attempt \(attempt)")
                #expect(delay >= max(ceiling / 2, .milliseconds(500)), "attempt \(attempt)")
                seen.insert(delay)
            }
            // The first retry always waits exactly 0.5 s (its lower half is floored); later ones spread out.
            #expect(attempt == 1 ? seen == [.milliseconds(500)] : seen.count > 100, "attempt \(attempt)")
        }
        // Huge attempt numbers neither overflow nor exceed the cap.
        let late = Self.decision(.connectionFailed, attempt: 90, policy: policy)
        guard case .retry(let delay) = late else {
            Issue.record("attempt 90 was not retried")
            return
        }
        #expect(delay <= .seconds(5) && delay >= .milliseconds(2_500))
    }

    @Test("The same seed gives the same delays")
    func deterministic() {
        let policy = StripeRetryPolicy(maxRetries: 10)
        #expect(Self.decision(.connectionFailed, attempt: 4, policy: policy, seed: 99) == Self.decision(.connectionFailed, attempt: 4, policy: policy, seed: 99))
    }

    @Test("Retry-After raises the delay to at least its value; above maxRetryAfter stops")
    func retryAfter() {
        #expect(Self.decision(Self.response(429, retryAfter: .seconds(30))) == .retry(after: .seconds(30)))
        #expect(Self.decision(Self.response(503, retryAfter: .seconds(60))) == .retry(after: .seconds(60)))
        #expect(Self.decision(Self.response(429, retryAfter: .seconds(61))) == .stop)
        #expect(Self.decision(Self.response(500, shouldRetry: true, retryAfter: .seconds(120))) == .stop)
        // A short ask does not shorten the backoff: attempt 3 waits at least 1 s anyway.
        guard case .retry(let delay) = Self.decision(Self.response(429, retryAfter: .milliseconds(100)), attempt: 2) else {
            Issue.record("429 was not retried")
            return
        }
        #expect(delay >= .milliseconds(500) && delay <= .seconds(1))
        // Retry-After never turns a final answer into a retry.
        #expect(Self.decision(Self.response(400, retryAfter: .seconds(1))) == .stop)
        #expect(Self.decision(Self.response(429, retryAfter: .seconds(1)), attempt: 3) == .stop)
        let patient = StripeRetryPolicy(maxRetryAfter: .seconds(600))
        #expect(Self.decision(Self.response(429, retryAfter: .seconds(120)), policy: patient) == .retry(after: .seconds(120)))
    }

    @Test("Stripe-Should-Retry is read as true or false, anything else is absent")
    func parseShouldRetry() {
        #expect(StripeRetryPolicy.shouldRetry(header: "true") == true)
        #expect(StripeRetryPolicy.shouldRetry(header: " false ") == false)
        #expect(StripeRetryPolicy.shouldRetry(header: "TRUE") == true)
        for header in [nil, "", "yes", "1", "truthy", "t"] as [String?] {
            #expect(StripeRetryPolicy.shouldRetry(header: header) == nil)
        }
    }

    @Test("Retry-After is read as whole or decimal seconds, anything else is absent")
    func parseRetryAfter() {
        #expect(StripeRetryPolicy.retryAfter(header: "2") == .seconds(2))
        #expect(StripeRetryPolicy.retryAfter(header: " 0 ") == .zero)
        #expect(StripeRetryPolicy.retryAfter(header: "1.5") == .milliseconds(1_500))
        #expect(StripeRetryPolicy.retryAfter(header: "0.25") == .milliseconds(250))
        #expect(StripeRetryPolicy.retryAfter(header: "3.0000000019") == .seconds(3) + .nanoseconds(1))
        let huge = StripeRetryPolicy.retryAfter(header: String(repeating: "9", count: 40))
        #expect(huge != nil && huge! > .seconds(60))
        for header in [nil, "", "-1", "+2", "1.", ".5", "1.2.3", "abc", "1e3", "Wed, 21 Oct 2015 07:28:00 GMT", "٣"] as [String?] {
            #expect(StripeRetryPolicy.retryAfter(header: header) == nil, "\(header ?? "nil")")
        }
    }
}
