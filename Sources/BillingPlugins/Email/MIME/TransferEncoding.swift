import Foundation

/// The Content-Transfer-Encoding of a text part, chosen by size.
///
/// The rule: quoted-printable costs 3 characters per byte outside printable ASCII and
/// base64 costs 4/3 per byte, so QP is the shorter one while at most one byte in six
/// needs escaping. Mostly-ASCII text (English) gets QP, which stays readable; text that
/// is mostly multi-byte UTF-8 (Russian) gets base64.
enum TransferEncoding: String, Sendable {
    case quotedPrintable = "quoted-printable"
    case base64

    static func choose(for text: String) -> TransferEncoding {
        let bytes = text.utf8
        let escaped = bytes.count(where: { ($0 < 0x20 && $0 != 0x0D && $0 != 0x0A && $0 != 0x09) || $0 >= 0x7F || $0 == UInt8(ascii: "=") })
        return escaped * 6 <= bytes.count ? .quotedPrintable : .base64
    }

    /// The body encoded, lines of at most 76 characters, CRLF line ends, no final CRLF.
    func encode(_ text: String) -> String {
        switch self {
        case .quotedPrintable:
            return QuotedPrintable.encode(text)
        case .base64:
            return Data(text.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        }
    }

    /// Makes every line end CRLF: a bare LF or a bare CR becomes CRLF.
    static func normalizeLineEnds(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
    }
}
