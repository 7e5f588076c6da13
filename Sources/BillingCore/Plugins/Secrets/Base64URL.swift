import Foundation

/// Base64url (RFC 4648 §5) by byte mapping over Foundation's standard base64. Byte mapping,
/// because `replacingOccurrences` goes through NSString and was a tenth of the CPU of
/// every webhook attempt (opening the endpoint's sealed secret).
package enum Base64URL {
    /// Unpadded base64url of `bytes`.
    package static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let standard = Data(bytes).base64EncodedString().utf8
        return String(decoding: standard.compactMap(toURL), as: UTF8.self)
    }

    /// The bytes of `text`, base64url (or standard base64) with its padding or none; nil for anything else.
    package static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var standard = text.utf8.map(fromURL)
        if standard.last != UInt8(ascii: "=") { standard += repeatElement(UInt8(ascii: "="), count: (4 - standard.count % 4) % 4) }
        return Data(base64Encoded: Data(standard)).map { Array($0) }
    }

    /// `+` and `/` become `-` and `_`; padding is dropped.
    private static func toURL(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "+"): UInt8(ascii: "-")
        case UInt8(ascii: "/"): UInt8(ascii: "_")
        case UInt8(ascii: "="): nil
        default: byte
        }
    }

    private static func fromURL(_ byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "-"): UInt8(ascii: "+")
        case UInt8(ascii: "_"): UInt8(ascii: "/")
        default: byte
        }
    }
}
