/// The connection an SMTP session talks over: lines out, replies in, and a TLS upgrade.
/// The SwiftNIO implementation is the real one; unit tests of the session script one.
protocol SMTPTransport: Sendable {
    /// Sends bytes as they are.
    func send(_ bytes: [UInt8]) async throws
    /// The next complete reply. `what` names it for errors: "the greeting", "the reply to EHLO".
    func readReply(awaiting what: String) async throws -> SMTPReply
    /// Starts TLS on the open connection (after the server's 220 to STARTTLS).
    func startTLS() async throws
    /// Whether the connection is encrypted (implicit TLS or after STARTTLS).
    var isEncrypted: Bool { get async }
}
