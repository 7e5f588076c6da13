/// The parameters of a Stripe request, in order, and their `application/x-www-form-urlencoded` body.
///
/// Nested parameters are written with brackets in the key, as Stripe expects:
/// `metadata[tenant]`, `expand[]`. The same values always give the same body, so a retry
/// under one `Idempotency-Key` sends identical parameters (Stripe answers 400
/// `idempotency_error` when they differ).
struct StripeForm: Sendable, Equatable {
    /// The parameters in the order they were appended.
    private(set) var fields: [(key: String, value: String)] = []

    init() {}

    /// Appends `key=value`; the key is written as given, for example `amount` or `expand[]`.
    mutating func append(_ key: String, _ value: String) {
        fields.append((key: key, value: value))
    }

    /// Appends an integer parameter such as `amount`.
    mutating func append(_ key: String, _ value: Int64) {
        append(key, String(value))
    }

    /// Appends `true` or `false`.
    mutating func append(_ key: String, _ value: Bool) {
        append(key, value ? "true" : "false")
    }

    /// Appends `name[key]=value` for each entry, sorted by key: a dictionary's own order
    /// changes from run to run, and a retry must send the same body.
    mutating func append(_ name: String, dictionary: [String: String]) {
        for key in dictionary.keys.sorted() {
            append("\(name)[\(key)]", dictionary[key] ?? "")
        }
    }

    /// The body: `k=v&k=v`, keys and values percent-encoded as UTF-8. Only RFC 3986's
    /// unreserved characters (`A-Z a-z 0-9 - . _ ~`) stay as they are; a space is `%20`,
    /// and brackets are `%5B`/`%5D`, which Stripe decodes like any form parser.
    var encoded: String {
        fields.map { Self.percentEncoded($0.key) + "=" + Self.percentEncoded($0.value) }.joined(separator: "&")
    }

    static func == (lhs: StripeForm, rhs: StripeForm) -> Bool {
        lhs.fields.count == rhs.fields.count
            && zip(lhs.fields, rhs.fields).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    /// `text` with every byte of its UTF-8 outside the unreserved set written as `%XX`.
    static func percentEncoded(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                result += "%"
                result.unicodeScalars.append(hexDigits[Int(byte >> 4)])
                result.unicodeScalars.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return result
    }

    private static let hexDigits: [Unicode.Scalar] = Array("0123456789ABCDEF".unicodeScalars)

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }
}
