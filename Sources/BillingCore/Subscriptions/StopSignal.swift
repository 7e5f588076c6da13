/// A one-shot broadcast: once `fire()` is called, every current and future `wait()`
/// returns. A ``WakeSignal`` that is notified once: its first generation is "fired".
final class StopSignal: Sendable {
    private let signal = WakeSignal()

    var isFired: Bool { signal.generation > 0 }

    func fire() {
        signal.notify()
    }

    /// Returns once fired, or when the task is cancelled.
    func wait() async {
        await signal.wait(after: 0)
    }

    /// Sleeps `duration` on `clock`; returns `false` if fired (or cancelled) first.
    func sleep(for duration: Duration, clock: any BillingClock) async -> Bool {
        if isFired { return false }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await clock.sleep(for: duration)) != nil }
            group.addTask {
                await self.wait()
                return false
            }
            let sleptFully = await group.next() ?? false
            group.cancelAll()
            return sleptFully && !self.isFired
        }
    }
}
