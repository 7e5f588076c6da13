import Foundation

/// The commands the client sends, each rendered as one CRLF-terminated line.
enum SMTPCommand: Sendable, Hashable {
    case ehlo(String)
    case helo(String)
    case startTLS
    /// `AUTH PLAIN <base64(\0user\0password)>` (RFC 4616).
    case authPlain(user: String, password: String)
    /// `AUTH LOGIN`, then the user and the password, each base64 on a line of its own.
    case authLogin
    case base64(String)
    case mailFrom(String)
    case rcptTo(String)
    case data
    case quit
    case reset

    /// The line to send, with CRLF.
    var line: String {
        switch self {
        case .ehlo(let domain): "EHLO \(domain)\r\n"
        case .helo(let domain): "HELO \(domain)\r\n"
        case .startTLS: "STARTTLS\r\n"
        case .authPlain(let user, let password): "AUTH PLAIN \(Data(Array("\u{0}\(user)\u{0}\(password)".utf8)).base64EncodedString())\r\n"
        case .authLogin: "AUTH LOGIN\r\n"
        case .base64(let text): "\(Data(Array(text.utf8)).base64EncodedString())\r\n"
        case .mailFrom(let address): "MAIL FROM:<\(address)>\r\n"
        case .rcptTo(let address): "RCPT TO:<\(address)>\r\n"
        case .data: "DATA\r\n"
        case .quit: "QUIT\r\n"
        case .reset: "RSET\r\n"
        }
    }

    /// The step, as errors name it ("the reply to RCPT TO:<a@b>"): never a credential.
    var step: String {
        switch self {
        case .ehlo: "EHLO"
        case .helo: "HELO"
        case .startTLS: "STARTTLS"
        case .authPlain: "AUTH PLAIN"
        case .authLogin: "AUTH LOGIN"
        case .base64: "AUTH LOGIN (a credential)"
        case .mailFrom(let address): "MAIL FROM:<\(address)>"
        case .rcptTo(let address): "RCPT TO:<\(address)>"
        case .data: "DATA"
        case .quit: "QUIT"
        case .reset: "RSET"
        }
    }

    /// What may be logged of the command: never a credential.
    var loggable: String {
        switch self {
        case .authPlain: "AUTH PLAIN ***"
        case .base64: "***"
        default: line.trimmingCharacters(in: .newlines)
        }
    }
}

/// A message body as DATA sends it (RFC 5321 §4.5.2): CRLF line ends, a leading `.` doubled, and the final `.` line.
enum SMTPDataEncoding {
    static func dotStuffed(_ message: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.count + message.count / 64 + 5)
        var atLineStart = true
        var previous: UInt8 = 0
        for byte in message {
            if byte == UInt8(ascii: "\n") && previous != UInt8(ascii: "\r") { out.append(UInt8(ascii: "\r")) }  // a bare LF becomes CRLF
            if atLineStart && byte == UInt8(ascii: ".") { out.append(UInt8(ascii: ".")) }
            out.append(byte)
            atLineStart = byte == UInt8(ascii: "\n")
            previous = byte
        }
        if !atLineStart { out += Array("\r\n".utf8) }
        out += Array(".\r\n".utf8)
        return out
    }
}
