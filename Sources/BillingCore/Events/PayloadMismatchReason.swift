/// Says which field of a payload failed to decode, and how, without its value.
///
/// Built from the structure of a `DecodingError` (coding path, expected type, missing
/// key) rather than its description, which may quote the value: a currency code's
/// error, for one, repeats the code. Payloads can carry personal data.
enum PayloadMismatchReason {
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else {
            if let error = error as? BillingError { return "the payload was rejected (\(error.code))" }
            return "the payload was rejected by its decoder"
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "\(field(context.codingPath + [key])) is missing"
        case .valueNotFound(let type, let context):
            return "\(field(context.codingPath)) is null; expected \(kind(type))"
        case .typeMismatch(let type, let context):
            return "\(field(context.codingPath)) is not \(kind(type))"
        case .dataCorrupted(let context):
            if context.debugDescription == JSONValueDecoder.notATimestamp {
                return "\(field(context.codingPath)) is not an ISO 8601 timestamp"
            }
            if let cause = context.underlyingError as? BillingError {
                return "\(field(context.codingPath)) has an invalid value (\(cause.code))"
            }
            return "\(field(context.codingPath)) has an invalid value"
        @unknown default:
            return "the payload does not decode"
        }
    }

    private static func field(_ path: [any CodingKey]) -> String {
        path.isEmpty ? "the payload" : "'\(path.fieldPath)'"
    }

    /// The JSON kind a Swift type is read from, in words.
    private static func kind(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "a boolean"
        case is any FixedWidthInteger.Type: return "an integer that fits \(type)"
        case is any BinaryFloatingPoint.Type: return "a number"
        case is [String: Any].Type: return "an object"
        case is [Any].Type: return "an array"
        default: return "a \(type)"
        }
    }
}
