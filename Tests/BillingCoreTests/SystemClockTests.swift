import BillingCore
import Testing

@Suite("SystemClock sleeps")
struct SystemClockTests {
    let clock = SystemClock()

    @Test("A sleep lasts at least its duration")
    func sleepsForItsDuration() async throws {
        let start = ContinuousClock.now
        try await clock.sleep(for: .milliseconds(30))
        #expect(ContinuousClock.now - start >= .milliseconds(30))
        try await clock.sleep(for: .zero)
    }

    @Test("Cancelled sleeps end at once with CancellationError, however long they were, and however many")
    func cancellationEndsSleeps() async throws {
        let start = ContinuousClock.now
        let sleeps = (0..<2_000).map { _ in
            Task { [clock] in
                do {
                    try await clock.sleep(for: .seconds(3600))
                    return false
                } catch {
                    return error is CancellationError
                }
            }
        }
        // Some are cancelled while suspended, some (probably) before they started.
        for sleep in sleeps { sleep.cancel() }
        for sleep in sleeps { #expect(await sleep.value) }
        #expect(ContinuousClock.now - start < .seconds(30))

        let alreadyCancelled = Task { [clock] in
            withUnsafeCurrentTask { $0?.cancel() }
            try await clock.sleep(for: .seconds(3600))
        }
        await #expect(throws: CancellationError.self) { try await alreadyCancelled.value }
    }
}
