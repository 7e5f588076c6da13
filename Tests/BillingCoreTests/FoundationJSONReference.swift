import BillingCore
import Foundation

/// The conversions `CanonicalJSON.value(from:)` and `CanonicalJSON.decode(_:from:)` made
/// before the direct JSONValue coders: JSONEncoder → bytes → our parser, and our
/// canonical writer → bytes → JSONDecoder. The new coders are checked against it.
enum FoundationJSONReference {
    /// `value` with its doubles as JSONEncoder writes them: an integral double loses
    /// its `.0` (`1.0` → `1`, `-0.0` → `0`) and parses back as an integer. The direct
    /// coders deliberately keep doubles as doubles; this is the only difference.
    /// With `floats`, doubles are written as the floats they came from.
    static func encoderStyle(_ value: JSONValue, floats: Bool = false) -> JSONValue {
        switch value {
        case .double(let number):
            var text = floats ? Float(number).description : number.description
            guard text.hasSuffix(".0") else { return value }
            text.removeLast(2)
            return Int64(text).map(JSONValue.int) ?? value
        case .array(let elements): return .array(elements.map { encoderStyle($0, floats: floats) })
        case .object(let members): return .object(members.mapValues { encoderStyle($0, floats: floats) })
        default: return value
        }
    }

    static func value(from encodable: some Encodable) throws -> JSONValue {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        do {
            let data = try encoder.encode(encodable)
            return try CanonicalJSON.decode(data)
        } catch let error as BillingError {
            throw error
        } catch {
            throw BillingError(.payloadMismatch, "Could not encode \(type(of: encodable)) as JSON", underlying: error)
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = Timestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "Not an ISO 8601 timestamp")
            }
            return date
        }
        do {
            return try decoder.decode(T.self, from: Data(CanonicalJSON.encode(value)))
        } catch {
            throw BillingError(.payloadMismatch, "Payload does not decode as \(T.self)", underlying: error)
        }
    }
}
