import Foundation

/// Number conversions between Swift values and ``JSONValue``. Decoding reads numbers
/// as JSONDecoder reads their text; encoding keeps a double a double (where JSONEncoder
/// writes `1.0` as `1`), so a value and its canonical text always agree.
enum JSONNumberConversion {
    /// A double stays a double, integral or not (`1.0` is not `1`, `-0.0` not `0`), so
    /// a value encoded from Swift is the value its canonical text parses back to.
    /// `nil` when not finite.
    static func value(_ number: Double) -> JSONValue? {
        number.isFinite ? .double(number) : nil
    }

    /// A float as the double its shortest text denotes (`0.1` stays `0.1`, not the
    /// double nearest the float); a double, like ``value(_:)-(Double)``. `nil` when not finite.
    static func value(_ number: Float) -> JSONValue? {
        guard number.isFinite else { return nil }
        return Double(number.description).map(JSONValue.double)
    }

    /// What a Decimal's JSON text (its `description`) parses back to; `nil` for NaN.
    static func value(_ number: Decimal) -> JSONValue? {
        guard !number.isNaN else { return nil }
        return parsedNumber(number.description)
    }

    /// An integer, if it fits the `.int` case. Wider values are refused rather than
    /// stored as a rounded double.
    static func value<Integer: FixedWidthInteger>(_ number: Integer) -> JSONValue? {
        Int64(exactly: number).map(JSONValue.int)
    }

    /// The number as ``JSONParser`` reads `text`: `.int` when it has no fraction or
    /// exponent and fits in 64 bits, `.double` otherwise.
    private static func parsedNumber(_ text: String) -> JSONValue? {
        let isInteger = !text.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
        if isInteger, let integer = Int64(text) { return .int(integer) }
        guard let number = Double(text), number.isFinite else { return nil }
        return .double(number)
    }

    // MARK: - Decoding

    /// The integer a JSON number denotes, exactly as JSONDecoder reads its text:
    /// `1.5e1` is 15, `1.152921504606847e+18` is 1152921504606847000 (not the
    /// double's binary value), `1.5` and out-of-range values are `nil`.
    static func integer<Integer: FixedWidthInteger>(_ value: JSONValue, as _: Integer.Type) -> Integer? {
        switch value {
        case .int(let number): return Integer(exactly: number)
        case .double(let number): return integer(text: number.description)
        default: return nil
        }
    }

    /// A float as JSONDecoder read the number's text: correctly rounded; `nil` when it
    /// overflows or when a non-zero number rounds to zero.
    static func float(_ value: JSONValue) -> Float? {
        switch value {
        case .int(let number):
            return Float(number)
        case .double(let number):
            guard let float = Float(number.description), float.isFinite else { return nil }
            return float == 0 && number != 0 ? nil : float
        default:
            return nil
        }
    }

    /// A Decimal as JSONDecoder read the number's text.
    static func decimal(_ value: JSONValue) -> Decimal? {
        switch value {
        case .int(let number): return Decimal(number)
        case .double(let number): return Decimal(string: number.description, locale: Locale(identifier: "en_US_POSIX"))
        default: return nil
        }
    }

    /// Exact decimal arithmetic on a number's text (`-1.25e+2`): the digits scaled by
    /// the exponent must leave no fraction, and the magnitude fit in 64 bits and the
    /// result in `Integer`.
    private static func integer<Integer: FixedWidthInteger>(text: String) -> Integer? {
        var bytes = text.utf8[...]
        let negative = bytes.first == UInt8(ascii: "-")
        if negative { bytes.removeFirst() }
        var digits: [UInt8] = []
        var exponent = 0
        var inFraction = false
        while let byte = bytes.popFirst(), byte != UInt8(ascii: "e"), byte != UInt8(ascii: "E") {
            if byte == UInt8(ascii: ".") {
                inFraction = true
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            digits.append(byte - UInt8(ascii: "0"))
            if inFraction { exponent -= 1 }
        }
        if !bytes.isEmpty {
            guard let written = Int(String(decoding: bytes, as: UTF8.self)) else { return nil }
            exponent += written
        }
        // Trailing zeros below the decimal point move into the exponent; any other
        // digit left there is a fraction.
        while exponent < 0, digits.last == 0 {
            digits.removeLast()
            exponent += 1
        }
        guard let leading = digits.firstIndex(where: { $0 != 0 }) else { return 0 }
        digits.removeFirst(leading)
        guard exponent >= 0, digits.count + exponent <= 20 else { return nil }  // 21 digits are past UInt64
        // JSONDecoder reads such a number through a 64-bit magnitude, so even a
        // 128-bit integer gets nothing wider from it.
        var magnitude: UInt64 = 0
        for digit in digits + repeatElement(0, count: exponent) {
            let (shifted, overflowed) = magnitude.multipliedReportingOverflow(by: 10)
            let (next, overflowedAgain) = shifted.addingReportingOverflow(UInt64(digit))
            guard !overflowed, !overflowedAgain else { return nil }
            magnitude = next
        }
        guard negative else { return Integer(exactly: magnitude) }
        guard Integer.isSigned else { return nil }
        if let positive = Integer(exactly: magnitude) { return 0 - positive }
        return UInt64(exactly: Integer.min.magnitude) == magnitude ? Integer.min : nil
    }
}