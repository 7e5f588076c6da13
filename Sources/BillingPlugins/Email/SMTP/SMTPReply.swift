/// One SMTP reply (RFC 5321 §4.2): a three-digit code and its text lines. A multi-line
/// reply (`250-first`, `250-second`, `250 last`) is one reply with several lines.
struct SMTPReply: Sendable, Hashable, CustomStringConvertible {
    /// The code, such as 250 or 535.
    var code: Int
    /// The text of each line, without the code and separator.
    var lines: [String]

    /// 2xx (and 3xx, an intermediate "go on").
    var isPositive: Bool { (200..<400).contains(code) }
    /// 4xx: try again later.
    var isTransient: Bool { (400..<500).contains(code) }
    /// 5xx: do not try again as is.
    var isPermanent: Bool { (500..<600).contains(code) }

    /// The enhanced status code (RFC 3463) the first line starts with, such as `5.7.8`, if any.
    var enhancedCode: String? {
        guard let first = lines.first?.split(separator: " ", maxSplits: 1).first else { return nil }
        let parts = first.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) else { return nil }
        return String(first)
    }

    var description: String { "\(code) \(lines.joined(separator: " / "))" }
}

/// Assembles replies from the lines a server sends, one line at a time.
struct SMTPReplyParser: Sendable {
    /// The longest reply line accepted (RFC 5321 §4.5.3.1.5 sets 512 octets; servers exceed it a little).
    static let maxLineBytes = 2048
    /// The most lines one reply may have (an EHLO answer has a dozen).
    static let maxLines = 100

    private var pending: [String] = []
    private var pendingCode: Int?

    /// Feeds one line (without CRLF). Returns the reply it completes, if any.
    /// - Throws: `SMTPProtocolError` for a line that is not an SMTP reply line.
    mutating func feed(_ line: String) throws -> SMTPReply? {
        guard line.utf8.count <= Self.maxLineBytes else { throw SMTPProtocolError("a reply line is longer than \(Self.maxLineBytes) bytes") }
        let bytes = Array(line.utf8)
        guard bytes.count >= 3, bytes[0...2].allSatisfy({ (0x30...0x39).contains($0) }), let code = Int(String(decoding: bytes[0...2], as: UTF8.self)),
            (200..<600).contains(code)
        else {
            throw SMTPProtocolError("the server sent a line that is not an SMTP reply: \(line.prefix(60))")
        }
        let separator = bytes.count > 3 ? bytes[3] : UInt8(ascii: " ")
        guard separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-") else {
            throw SMTPProtocolError("the server sent a malformed reply line: \(line.prefix(60))")
        }
        if let pendingCode, pendingCode != code {
            throw SMTPProtocolError("a multi-line reply changed its code from \(pendingCode) to \(code)")
        }
        pendingCode = code
        pending.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
        guard pending.count <= Self.maxLines else { throw SMTPProtocolError("a reply has more than \(Self.maxLines) lines") }
        guard separator == UInt8(ascii: " ") else { return nil }
        defer {
            pending = []
            self.pendingCode = nil
        }
        return SMTPReply(code: code, lines: pending)
    }
}

/// The server broke the protocol (not a refusal: a reply that cannot be read).
struct SMTPProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
