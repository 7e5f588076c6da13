import Foundation

/// How much longer a wall-clock bound may take in this run: 1 normally, and what
/// `BILLING_TEST_TIME_SCALE` says under a sanitizer (`Scripts/test --sanitize thread`
/// sets 4), where instrumented child processes run several times slower.
/// Only tests that must use real time with real processes (leases across `kill -9`) use it.
enum SanitizerSlowdown {
    static let factor: Double = {
        guard let text = ProcessInfo.processInfo.environment["BILLING_TEST_TIME_SCALE"],
              let value = Double(text), value >= 1 else { return 1 }
        return value
    }()

    /// `bound` stretched by ``factor``.
    static func scaled(_ bound: Duration) -> Duration { bound * factor }
}
