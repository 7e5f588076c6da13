/// Folds a header into lines of at most 78 characters (RFC 5322 §2.2.3): the words are
/// joined by spaces, and a space becomes CRLF + space where a line would run over.
enum HeaderFolding {
    static let lineLimit = 78

    /// Room for the first word on the name's line: `Name: ` leaves this much.
    static func firstWordRoom(name: String) -> Int {
        lineLimit - name.utf8.count - 2
    }

    /// `Name: word word ...` with CRLF line ends, the final CRLF included.
    static func fold(name: String, words: [String]) -> String {
        var lines: [String] = []
        var line = name + ":"
        for word in words {
            if line.utf8.count + 1 + word.utf8.count > lineLimit, line.utf8.count > name.utf8.count + 1 {
                lines.append(line)
                line = ""
            }
            line += " " + word
        }
        lines.append(line)
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}
