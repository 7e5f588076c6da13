import BilingusTestSupport
import Foundation

/// Parses rendered bytes with Python's `email` package (policy.default), an
/// independent reader, and returns what it saw as JSON.
enum PythonEmailParser {
    static let script = """
    import sys, json, email
    from email import policy
    m = email.message_from_bytes(sys.stdin.buffer.read(), policy=policy.default)
    def mb(h):
        return [{"name": a.display_name, "address": a.addr_spec} for a in h.addresses]
    parts = []
    for p in (m.walk() if m.is_multipart() else [m]):
        if p.is_multipart():
            continue
        parts.append({"type": p.get_content_type(), "charset": p.get_content_charset(),
                      "cte": p.get("Content-Transfer-Encoding"), "text": p.get_content()})
    print(json.dumps({"subject": str(m["subject"]), "from": mb(m["from"]), "to": mb(m["to"]),
                      "replyTo": mb(m["reply-to"]) if m["reply-to"] else [],
                      "date": str(m["date"]), "messageID": str(m["message-id"]),
                      "type": m.get_content_type(), "defects": len(m.defects), "parts": parts}))
    """

    struct Mailbox: Decodable, Equatable { var name: String; var address: String }
    struct Part: Decodable { var type: String; var charset: String?; var cte: String?; var text: String }
    struct Parsed: Decodable {
        var subject: String
        var from: [Mailbox]
        var to: [Mailbox]
        var replyTo: [Mailbox]
        var date: String
        var messageID: String
        var type: String
        var defects: Int
        var parts: [Part]
    }

    static func parse(_ bytes: [UInt8]) throws -> Parsed {
        let data = try Spawn.run("/usr/bin/env", ["python3", "-c", script], input: Data(bytes)).output
        return try JSONDecoder().decode(Parsed.self, from: data)
    }
}
