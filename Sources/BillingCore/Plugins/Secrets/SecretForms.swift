import Foundation

/// The text forms a secret takes once something has printed, escaped or encoded it.
///
/// ``SecretRedactor`` searches for all of them. The forms are computed with the very
/// encoders that produce them (Swift's `debugDescription`, ``CanonicalJSON``,
/// `JSONEncoder`, `addingPercentEncoding`), so they match byte for byte what ends up
/// in an error description or a log line on this platform.
enum SecretForms {
    /// Base64 fragments shorter than this are not searched for: 8 characters carry 48
    /// bits, so a fragment that long turns up in unrelated text only by a vanishing
    /// chance, while shorter ones would blank out innocent base64 (tokens, ids).
    /// A secret of 6 bytes or fewer can therefore stay visible in base64 at some
    /// alignments; such a secret is too weak to protect anyway.
    static let minimumBase64FragmentLength = 8

    /// Every form of `secret`: itself; Swift-, JSON- and percent-escaped; base64
    /// fragments; and each of those escaped once more (a JSON body inside an error
    /// printed with `String(reflecting:)`, JSON inside a JSON string).
    static func all(of secret: String) -> Set<String> {
        var firstLayer: Set<String> = [secret]
        firstLayer.formUnion(escaped(secret))
        firstLayer.formUnion(percentEncoded(secret))
        firstLayer.formUnion(base64Fragments(of: Array(secret.utf8)))
        var forms = firstLayer
        for form in firstLayer {
            forms.formUnion(escaped(form))
        }
        forms.remove("")
        return forms
    }

    // MARK: Escaping

    /// `text` as Swift and JSON string literals print it, without the quotes.
    static func escaped(_ text: String) -> Set<String> {
        var forms: Set<String> = [
            // What String(reflecting:), dump and a struct's default description print.
            unquoted(text.debugDescription),
            // The same per scalar: debugDescription also escapes a leading combining
            // mark, which it leaves alone inside a longer string.
            text.unicodeScalars.map { $0.escaped(asASCII: false) }.joined(),
            text.unicodeScalars.map { $0.escaped(asASCII: true) }.joined(),
            unquoted(CanonicalJSON.string(.string(text))),
            jsonASCII(text, uppercaseHex: false),
            jsonASCII(text, uppercaseHex: true),
        ]
        // Foundation's JSONEncoder escapes `/` as `\/` unless told not to.
        for formatting in [JSONEncoder.OutputFormatting(), .withoutEscapingSlashes] {
            let encoder = JSONEncoder()
            encoder.outputFormatting = formatting
            if let data = try? encoder.encode(text) {
                forms.insert(unquoted(String(decoding: data, as: UTF8.self)))
            }
        }
        return forms
    }

    /// JSON with everything outside printable ASCII as `\uXXXX` (UTF-16, surrogate
    /// pairs), as Python's `json.dumps` and many HTTP services write it.
    private static func jsonASCII(_ text: String, uppercaseHex: Bool) -> String {
        var result = ""
        for unit in text.utf16 {
            switch unit {
            case 0x22: result += "\\\""
            case 0x5C: result += "\\\\"
            case 0x0A: result += "\\n"
            case 0x0D: result += "\\r"
            case 0x09: result += "\\t"
            case 0x08: result += "\\b"
            case 0x0C: result += "\\f"
            case 0x20..<0x7F: result.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
            default:
                let hex = String(unit, radix: 16, uppercase: uppercaseHex)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        return result
    }

    private static func unquoted(_ literal: String) -> String {
        String(literal.dropFirst().dropLast())
    }

    // MARK: Percent-encoding

    /// `text` percent-encoded for each common part of a URL and for form bodies, with
    /// upper- and lower-case hex digits, and with `+` for a space.
    static func percentEncoded(_ text: String) -> Set<String> {
        // RFC 3986 unreserved characters, and the WHATWG form-urlencoded set.
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        let formAllowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-._")
        let allowedSets: [CharacterSet] = [
            .urlQueryAllowed, .urlPathAllowed, .urlUserAllowed, .urlPasswordAllowed,
            .urlHostAllowed, .urlFragmentAllowed, .alphanumerics, unreserved, formAllowed,
        ]
        var encodings = Set(allowedSets.compactMap { text.addingPercentEncoding(withAllowedCharacters: $0) })
        // URLComponents encodes a query item's value with a set of its own (`+` stays).
        var components = URLComponents()
        components.queryItems = [URLQueryItem(name: "x", value: text)]
        if let query = components.percentEncodedQuery {
            encodings.insert(String(query.dropFirst(2)))
        }
        var forms: Set<String> = []
        for encoding in encodings {
            for cased in [encoding, lowercasingHexDigits(encoding)] {
                forms.insert(cased)
                forms.insert(cased.replacingOccurrences(of: "%20", with: "+"))
            }
        }
        return forms
    }

    /// `%3D` becomes `%3d`; everything else stays.
    private static func lowercasingHexDigits(_ encoded: String) -> String {
        var bytes = Array(encoded.utf8)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count {
                for digit in index + 1...index + 2 where (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(bytes[digit]) {
                    bytes[digit] += 0x20
                }
                index += 3
            } else {
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: Base64

    /// The parts of any base64 text that encode `bytes`, whatever surrounds them.
    ///
    /// Base64 turns each 3 bytes into 4 characters; character k holds bits 6k..<6k+6
    /// of the data. If the secret starts `a` bytes into a 3-byte group (a = 0, 1, 2;
    /// in `user:secret`, a is the user name's byte count plus one, modulo 3), its
    /// bits are 8a..<8(a+n), n being its byte count. A character depends on
    /// the secret alone when 6k >= 8a and 6k+6 <= 8(a+n), so the fragment is the
    /// characters ceil(4a/3)..<floor(4(a+n)/3) of the encoding of a zero bytes
    /// followed by the secret: characters before it mix in the preceding bytes, the
    /// one after it the following byte. When the secret ends the data, the last
    /// partial character is fixed too (zero bits fill it), so the fragment through
    /// the end, with and without `=` padding, is searched as well (longer, so it
    /// wins). Each fragment is searched in the standard and the URL-safe alphabet.
    static func base64Fragments(of bytes: [UInt8]) -> Set<String> {
        guard !bytes.isEmpty else { return [] }
        var fragments: Set<String> = []
        for alignment in 0..<3 {
            let encoded = Array(Data(Array(repeating: 0, count: alignment) + bytes).base64EncodedString().utf8)
            let first = (4 * alignment + 2) / 3
            let end = 4 * (alignment + bytes.count) / 3
            guard first < end else { continue }
            let throughEnd = Array(encoded[first...])
            let candidates = [
                Array(encoded[first..<end]),
                throughEnd,
                throughEnd.filter { $0 != UInt8(ascii: "=") },
            ]
            for candidate in candidates where candidate.count >= minimumBase64FragmentLength {
                let standard = String(decoding: candidate, as: UTF8.self)
                fragments.insert(standard)
                fragments.insert(urlSafe(standard))
            }
        }
        return fragments
    }

    private static func urlSafe(_ base64: String) -> String {
        base64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }
}
