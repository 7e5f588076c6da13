@testable import BillingPlugins

/// A transport that answers from a script, for unit tests of the session's logic (the
/// real server is exercised by the integration tests). Replies are written as the server
/// sends them: `"250-first\r\n250 last"`.
actor ScriptedSMTPTransport: SMTPTransport {
    private var replies: [String]
    private(set) var sent: [String] = []
    private(set) var encrypted: Bool
    private(set) var tlsStarts = 0

    init(_ replies: [String], encrypted: Bool = false) {
        self.replies = replies
        self.encrypted = encrypted
    }

    func send(_ bytes: [UInt8]) async throws {
        sent.append(String(decoding: bytes, as: UTF8.self))
    }

    func readReply(awaiting what: String) async throws -> SMTPReply {
        guard !replies.isEmpty else { throw SMTPProtocolError("the script has no more replies") }
        var parser = SMTPReplyParser()
        for line in replies.removeFirst().components(separatedBy: "\r\n") {
            if let reply = try parser.feed(line) { return reply }
        }
        throw SMTPProtocolError("a scripted reply is incomplete")
    }

    func startTLS() async throws {
        tlsStarts += 1
        encrypted = true
    }

    var isEncrypted: Bool { encrypted }
}
