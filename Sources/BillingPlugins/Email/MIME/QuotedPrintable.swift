/// Quoted-printable (RFC 2045 §6.7) for UTF-8 text bodies.
enum QuotedPrintable {
    static let lineLimit = 76

    /// Encodes text whose line ends are already CRLF. Each CRLF stays a hard break;
    /// longer lines get soft breaks (`=` CRLF) so no line exceeds 76 characters.
    /// `=`, bytes outside printable ASCII and whitespace at a line's end are `=XX`.
    static func encode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var output: [UInt8] = []
        let lines = Array(text.utf8).split(separator: 0x0A, omittingEmptySubsequences: false)
        for (index, rawLine) in lines.enumerated() {
            if index > 0 { output += [0x0D, 0x0A] }
            let line = rawLine.last == 0x0D ? rawLine.dropLast() : rawLine
            var column = 0
            for (offset, byte) in zip(line.indices, line) {
                let isLast = offset == line.index(before: line.endIndex)
                let literal = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "="))
                    || ((byte == 0x20 || byte == 0x09) && !isLast)
                let token: [UInt8] = literal ? [byte] : [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
                // Room for the token, plus the soft break's `=` unless this ends the line.
                let needed = token.count + (isLast ? 0 : 1)
                if column + needed > lineLimit {
                    output += [UInt8(ascii: "="), 0x0D, 0x0A]
                    column = 0
                }
                output += token
                column += token.count
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
