import BillingCore

/// Why an SMTP exchange failed, in words an operator can act on. Thrown as the
/// `underlying` error of a `BillingError` coded `email.*`. Never contains a password.
public struct SMTPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure it is, which decides whether to try again.
    public enum Kind: String, Sendable, Hashable {
        /// 4xx: the server asks to try later (greylisting, a full queue). Retried with backoff.
        case transient
        /// 5xx: the server refused the message or a recipient. Recorded as failed, not retried.
        case permanent
        /// The credentials were refused (535) or the server offers no mechanism the client can use.
        case authentication
        /// TLS is required and the server offers no STARTTLS, or the handshake or certificate failed.
        case tls
        /// No connection: refused, timed out, closed.
        case connection
        /// The server broke the protocol.
        case protocolViolation = "protocol"
    }

    /// The kind.
    public var kind: Kind
    /// The reply code, when the server answered (421, 535, 550...).
    public var code: Int?
    /// The enhanced status code (`5.7.8`), when given.
    public var enhancedCode: String?
    /// What happened, naming the step (`AUTH`, `RCPT TO:<a@b>`) and the server's words.
    public var message: String

    /// Creates an error.
    public init(kind: Kind, code: Int? = nil, enhancedCode: String? = nil, message: String) {
        self.kind = kind
        self.code = code
        self.enhancedCode = enhancedCode
        self.message = message
    }

    /// Whether sending again later may succeed.
    public var isTransient: Bool { kind == .transient || kind == .connection }

    public var description: String {
        "SMTPError(\(kind.rawValue)\(code.map { ", \($0)" } ?? "")\(enhancedCode.map { " \($0)" } ?? "")): \(message)"
    }

    /// The error for a refusal of `step`.
    static func refused(_ step: String, _ reply: SMTPReply) -> SMTPError {
        let kind: Kind = reply.isTransient ? .transient : .permanent
        return SMTPError(kind: kind, code: reply.code, enhancedCode: reply.enhancedCode, message: "The server refused \(step): \(reply)")
    }
}
