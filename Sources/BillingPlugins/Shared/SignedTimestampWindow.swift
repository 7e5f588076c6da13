import Foundation

/// Where a signed request's Unix timestamp lies against a receiver's clock and tolerance:
/// the replay check that Stripe's and Standard Webhooks' verifiers share.
enum SignedTimestampWindow: Equatable {
    /// Within `tolerance` of now, either way (the bound itself included).
    case within
    /// Older than now by more than the tolerance; `seconds` is its whole age.
    case tooOld(seconds: Int64)
    /// Later than now by more than the tolerance; `seconds` is how far ahead, whole.
    case tooNew(seconds: Int64)

    /// Where `timestamp` (whole Unix seconds) lies from `now`, allowing `tolerance`.
    init(timestamp: Int64, now: Date, tolerance: Duration) {
        let (toleranceSeconds, toleranceAttoseconds) = tolerance.components
        let allowed = Double(toleranceSeconds) + Double(toleranceAttoseconds) / 1e18
        let age = now.timeIntervalSince1970 - Double(timestamp)
        if age > allowed {
            self = .tooOld(seconds: Self.whole(age))
        } else if -age > allowed {
            self = .tooNew(seconds: Self.whole(-age))
        } else {
            self = .within
        }
    }

    /// Whole seconds, clamped: a forged timestamp may be far beyond Int64's range in Double.
    private static func whole(_ seconds: Double) -> Int64 {
        seconds >= 9.2e18 ? Int64.max : Int64(seconds.rounded(.down))
    }
}
