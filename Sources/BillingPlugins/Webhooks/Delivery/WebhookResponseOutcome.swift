import Foundation

/// What one attempt's answer means for its message and endpoint. Anything but a 2xx is a
/// failure, so no class of error (a 3xx, a timeout, a reset, a DNS failure) can be
/// forgotten the way Lago's retry list forgot some.
enum WebhookResponseOutcome: Sendable, Hashable {
    /// A 2xx: delivered.
    case delivered
    /// 410 Gone: the receiver says the endpoint is no more; it is disabled.
    case gone
    /// A failure to retry on the schedule. `slowDown` (429, 502, 503, 504) asks the
    /// endpoint to be sent to less; `retryAfter` is the receiver's `Retry-After`, if any.
    case failed(slowDown: Bool, retryAfter: Duration?)

    /// The outcome of an answer with `status` (`nil`: no answer at all) and its `Retry-After` header.
    init(status: Int?, retryAfter header: String?, now: Date) {
        guard let status else {
            self = .failed(slowDown: false, retryAfter: nil)
            return
        }
        switch status {
        case 200...299: self = .delivered
        case 410: self = .gone
        case 429, 502, 503, 504: self = .failed(slowDown: true, retryAfter: header.flatMap { Self.retryAfter($0, now: now) })
        default: self = .failed(slowDown: false, retryAfter: nil)
        }
    }

    /// `Retry-After` as delay-seconds or an HTTP-date (RFC 9110 §10.2.3); `nil` if it is neither.
    static func retryAfter(_ header: String, now: Date) -> Duration? {
        let text = header.trimmingCharacters(in: .whitespaces)
        if !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            // Delay-seconds; an absurd number of digits is as good as "a very long time".
            return .seconds(Int64(text.prefix(12)) ?? Int64.max / 1_000_000_000_000)
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        guard let date = formatter.date(from: text) else { return nil }
        let seconds = Int64(date.timeIntervalSince(now).rounded(.up))
        return .seconds(max(0, seconds))
    }
}
