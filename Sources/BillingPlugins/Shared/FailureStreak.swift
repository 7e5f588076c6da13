import BillingCore

/// Failures in a row of what a plugin depends on (an API, a mail server), for its health
/// check: each counted failure grows the streak and is remembered, the next success ends it.
final class FailureStreak<Failure: Sendable>: Sendable {
    private let state = Locked<(count: Int, last: Failure?)>((0, nil))

    /// Counts `failure`, or ends the streak when it is `nil`.
    func record(_ failure: Failure?) {
        state.withLock { state in
            state = failure.map { (state.count + 1, $0) } ?? (0, nil)
        }
    }

    /// The streak and its last failure, once it is at least `threshold` long.
    func streak(atLeast threshold: Int) -> (count: Int, last: Failure)? {
        let (count, last) = state.withLock { $0 }
        guard count >= threshold, let last else { return nil }
        return (count, last)
    }
}
