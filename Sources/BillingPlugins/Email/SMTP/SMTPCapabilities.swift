/// What a server offers in its EHLO reply (RFC 5321 §4.1.1.1): one keyword per line after the greeting line.
struct SMTPCapabilities: Sendable, Hashable {
    /// Keywords in upper case, with their parameters (`AUTH` → `["PLAIN", "LOGIN"]`).
    var keywords: [String: [String]]

    /// Reads an EHLO reply (its first line is the server's greeting, not a capability).
    init(ehlo reply: SMTPReply) {
        var keywords: [String: [String]] = [:]
        for line in reply.lines.dropFirst() {
            let words = line.split(separator: " ").map(String.init)
            guard let keyword = words.first?.uppercased(), !keyword.isEmpty else { continue }
            keywords[keyword, default: []] += words.dropFirst().map { $0.uppercased() }
        }
        self.keywords = keywords
    }

    /// No extensions (a server that answered HELO).
    static let none = SMTPCapabilities(keywords: [:])

    private init(keywords: [String: [String]]) {
        self.keywords = keywords
    }

    var startTLS: Bool { keywords["STARTTLS"] != nil }
    /// The AUTH mechanisms offered, upper case.
    var authMechanisms: Set<String> { Set(keywords["AUTH"] ?? []) }
    var eightBitMIME: Bool { keywords["8BITMIME"] != nil }
    var pipelining: Bool { keywords["PIPELINING"] != nil }
    /// The SIZE limit, when the server states one (0 means none).
    var maxSize: Int? { keywords["SIZE"]?.first.flatMap { Int($0) } }
}
