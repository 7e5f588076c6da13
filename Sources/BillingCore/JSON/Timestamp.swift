public import Foundation

/// Canonical timestamps: UTC ISO 8601 with exactly six fractional digits, for the
/// years 0000 to 9999 (what four year digits can spell).
///
/// Events keep their timestamps as `Int64` microseconds since the Unix epoch; a
/// `Date` (a `Double` of seconds since 2001) cannot hold every microsecond past the
/// 22nd century. Conversions from `Date` never trap: values outside `Int64` saturate,
/// and ``isInRange(_:)`` tells a timestamp that can be written and read back.
///
/// Formatting is done by hand (civil-from-days arithmetic) rather than with a
/// `DateFormatter`: it is deterministic on every platform, allocation-light and
/// safe to call from any thread.
public enum Timestamp {
    /// `0000-01-01T00:00:00.000000Z`, the earliest timestamp events accept.
    public static let minMicroseconds: Int64 = -62_167_219_200_000_000
    /// `9999-12-31T23:59:59.999999Z`, the latest timestamp events accept.
    public static let maxMicroseconds: Int64 = 253_402_300_799_999_999

    /// Microseconds from the Unix epoch to `Date`'s reference date, 2001-01-01.
    private static let referenceOffset: Int64 = 978_307_200_000_000

    /// Whether `microseconds` lies in the years 0000 to 9999.
    public static func isInRange(_ microseconds: Int64) -> Bool {
        (minMicroseconds...maxMicroseconds).contains(microseconds)
    }

    /// Microseconds since 1970-01-01T00:00:00Z, rounded to the nearest microsecond,
    /// except that a date before the year 10000 never rounds up into it (it is
    /// truncated to ``maxMicroseconds``). Never traps: NaN gives `Int64.min`, values far
    /// beyond the range saturate near `Int64`'s bounds; ``isInRange(_:)`` refuses both.
    public static func microseconds(_ date: Date) -> Int64 {
        // From the reference date, which a Date holds exactly, so the common dates
        // convert without a second rounding.
        let fromReference = (date.timeIntervalSinceReferenceDate * 1_000_000).rounded()
        guard !fromReference.isNaN else { return .min }
        // Clamped well inside Int64, so neither the conversion nor the sum can trap.
        let total = Int64(min(max(fromReference, -9.0e18), 9.0e18)) + referenceOffset
        if total > maxMicroseconds, date.timeIntervalSince1970 < 253_402_300_800 {
            return maxMicroseconds
        }
        return total
    }

    /// The date for a count of microseconds since the Unix epoch: the nearest `Date`,
    /// except that the last microseconds of 9999, which no `Date` holds, give the last
    /// `Date` before the year 10000 (truncated, never rounded into 10000).
    public static func date(microseconds: Int64) -> Date {
        let (fromReference, overflow) = microseconds.subtractingReportingOverflow(referenceOffset)
        guard !overflow else { return Date(timeIntervalSince1970: Double(microseconds) / 1_000_000) }
        let seconds = Double(fromReference) / 1_000_000
        if microseconds <= maxMicroseconds, seconds >= yearTenThousandFromReference {
            return Date(timeIntervalSinceReferenceDate: yearTenThousandFromReference.nextDown)
        }
        return Date(timeIntervalSinceReferenceDate: seconds)
    }

    /// 10000-01-01T00:00:00Z in seconds from the reference date (exact in a Double).
    private static let yearTenThousandFromReference: Double = 252_423_993_600

    /// The date rounded to microsecond precision, the precision events keep.
    /// Normalizing twice gives the same date.
    public static func normalize(_ date: Date) -> Date {
        self.date(microseconds: microseconds(date))
    }

    /// Formats a date as `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
    public static func format(_ date: Date) -> String {
        format(microseconds: microseconds(date))
    }

    /// Formats microseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.ffffffZ`. A value
    /// outside ``isInRange(_:)`` gets a year of more (or fewer) than four digits, which
    /// ``parse(_:)`` refuses; validation refuses such timestamps before they are stored.
    public static func format(microseconds micros: Int64) -> String {
        let (seconds, fraction) = floorDivide(micros, 1_000_000)
        let (days, secondOfDay) = floorDivide(seconds, 86_400)
        let (year, month, day) = civil(fromDays: days)
        var text = ""
        text.reserveCapacity(27)
        text += year < 0 ? "-" + pad(-year, 4) : pad(year, 4)
        text += "-" + pad(month, 2) + "-" + pad(day, 2)
        text += "T" + pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
        text += "." + pad(fraction, 6) + "Z"
        return text
    }

    /// Parses an ISO 8601 / RFC 3339 timestamp; see ``parseMicroseconds(_:)``.
    public static func parse(_ text: String) -> Date? {
        parseMicroseconds(text).map { date(microseconds: $0) }
    }

    /// Parses an ISO 8601 / RFC 3339 timestamp with optional fraction (up to nine
    /// digits; digits past the sixth are truncated, never rounded, so no timestamp
    /// moves into the next second or year) and a `Z` or `±HH:MM` offset, to
    /// microseconds since the epoch. `nil` if it is malformed or outside the years
    /// 0000 to 9999 once the offset is applied.
    public static func parseMicroseconds(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        var index = 0
        func number(_ digits: Int) -> Int64? {
            guard index + digits <= bytes.count else { return nil }
            var value: Int64 = 0
            for _ in 0..<digits {
                let byte = bytes[index]
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int64(byte - 0x30)
                index += 1
            }
            return value
        }
        func expect(_ character: Character) -> Bool {
            guard index < bytes.count, bytes[index] == character.asciiValue else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
            index < bytes.count, bytes[index] == UInt8(ascii: "T") || bytes[index] == UInt8(ascii: "t")
        else { return nil }
        index += 1
        guard let hour = number(2), expect(":"), let minute = number(2), expect(":"), let second = number(2) else { return nil }
        guard (1...12).contains(month), (1...daysInMonth(year: year, month: month)).contains(day),
            hour < 24, minute < 60, second < 60
        else { return nil }

        var micros: Int64 = 0
        if expect(".") {
            var digits = 0
            var fraction: Int64 = 0
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                if digits < 6 {
                    fraction = fraction * 10 + Int64(bytes[index] - 0x30)
                }
                digits += 1
                index += 1
            }
            guard (1...9).contains(digits) else { return nil }
            if digits < 6 {
                for _ in digits..<6 { fraction *= 10 }
            }
            micros = fraction
        }

        var offsetSeconds: Int64 = 0
        guard index < bytes.count else { return nil }
        if bytes[index] == UInt8(ascii: "Z") || bytes[index] == UInt8(ascii: "z") {
            index += 1
        } else if bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            let sign: Int64 = bytes[index] == UInt8(ascii: "+") ? 1 : -1
            index += 1
            guard let offsetHours = number(2), expect(":"), let offsetMinutes = number(2),
                offsetHours < 24, offsetMinutes < 60
            else { return nil }
            offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
        } else {
            return nil
        }
        guard index == bytes.count else { return nil }

        let days = days(fromCivil: year, month, day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        let total = seconds * 1_000_000 + micros
        return isInRange(total) ? total : nil
    }

    // MARK: - Civil calendar arithmetic (proleptic Gregorian, Howard Hinnant's algorithms)

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let quotient = value / divisor
        let remainder = value % divisor
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }

    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthPrime = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthPrime + 2) / 5 + 1
        let month = monthPrime < 10 ? monthPrime + 3 : monthPrime - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let adjustedYear = month <= 2 ? year - 1 : year
        let era = (adjustedYear >= 0 ? adjustedYear : adjustedYear - 399) / 400
        let yearOfEra = adjustedYear - era * 400
        let monthPrime = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * monthPrime + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2:
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            return leap ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
