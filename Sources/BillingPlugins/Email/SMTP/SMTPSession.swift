import BillingCore
import Logging

/// One SMTP conversation (RFC 5321) over a transport: greeting, EHLO (HELO when EHLO is
/// refused), STARTTLS when required or offered, AUTH, then any number of messages.
struct SMTPSession: Sendable {
    /// How the connection is protected.
    enum Security: String, Sendable, Hashable {
        /// STARTTLS must be offered and succeed, or nothing is sent (the default).
        case startTLS = "starttls"
        /// TLS from the first byte (port 465).
        case implicitTLS = "tls"
        /// No encryption: only for a relay on the same machine; AUTH is refused without TLS.
        case none
    }

    /// The credentials to log in with. `Secret` compares and hashes its value, never prints it.
    struct Credentials: Sendable, Hashable {
        var user: String
        var password: Secret
    }

    /// What the server did with one message.
    struct Delivery: Sendable, Hashable {
        /// The recipients the server accepted, and took the message for.
        var accepted: [String]
        /// The recipients it refused at RCPT, each with its error (not retried: the rest was sent).
        var refused: [String: SMTPError]
    }

    let transport: any SMTPTransport
    let security: Security
    let credentials: Credentials?
    /// The name the client gives in EHLO.
    let clientName: String
    /// Where commands (never a credential) and replies go, at trace level.
    var logger = Logger(label: "bilingus.smtp", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Greets, secures and logs in. Returns what the server offers.
    func open() async throws -> SMTPCapabilities {
        let greeting = try await transport.readReply(awaiting: "the greeting")
        guard greeting.code == 220 else { throw SMTPError.refused("the connection (greeting)", greeting) }
        var capabilities = try await hello()
        if security == .startTLS {
            guard capabilities.startTLS else {
                throw SMTPError(kind: .tls, message: "The server offers no STARTTLS, and the security mode 'starttls' requires it; nothing was sent")
            }
            let ready = try await command(.startTLS)
            guard ready.code == 220 else { throw SMTPError(kind: .tls, code: ready.code, enhancedCode: ready.enhancedCode, message: "The server refused STARTTLS: \(ready)") }
            try await transport.startTLS()
            capabilities = try await hello()  // RFC 3207 §4.2: forget what was learnt before TLS
        }
        if let credentials { try await authenticate(credentials, capabilities) }
        return capabilities
    }

    /// Sends one message to `recipients`. Refused recipients are reported, the others get it;
    /// if the server refuses every recipient or the message, it throws.
    func send(from sender: String, to recipients: [String], data message: [UInt8]) async throws -> Delivery {
        try await mail(from: sender)
        return try await deliver(to: recipients, data: message)
    }

    /// Starts a message: MAIL FROM. Until it is accepted nothing of the message was sent, so a
    /// failure here may be retried on another connection without sending anything twice.
    func mail(from sender: String) async throws {
        let mail = try await command(.mailFrom(sender))
        guard mail.code == 250 else { throw SMTPError.refused("MAIL FROM:<\(sender)>", mail) }
    }

    /// Ends a message that `mail(from:)` started: the recipients, then DATA.
    func deliver(to recipients: [String], data message: [UInt8]) async throws -> Delivery {
        var accepted: [String] = []
        var refused: [String: SMTPError] = [:]
        for recipient in recipients {
            let reply = try await command(.rcptTo(recipient))
            if reply.code == 250 || reply.code == 251 {
                accepted.append(recipient)
            } else {
                refused[recipient] = SMTPError.refused("RCPT TO:<\(recipient)>", reply)
            }
        }
        guard !accepted.isEmpty else {
            _ = try? await command(.reset)
            // All refused: transient if any refusal was, so the message is tried again later.
            let transient = refused.values.first { $0.kind == .transient }
            throw transient ?? refused.values.first ?? SMTPError(kind: .permanent, message: "No recipients")
        }
        let go = try await command(.data)
        guard go.code == 354 else { throw SMTPError.refused("DATA", go) }
        try await transport.send(SMTPDataEncoding.dotStuffed(message))
        let done = try await transport.readReply(awaiting: "the reply to the message (end of DATA)")
        guard done.code == 250 else { throw SMTPError.refused("the message (end of DATA)", done) }
        return Delivery(accepted: accepted, refused: refused)
    }

    /// Ends a refused transaction so the connection can carry the next message (RSET).
    func reset() async throws {
        let reply = try await command(.reset)
        guard reply.code == 250 else { throw SMTPError.refused("RSET", reply) }
    }

    /// Says goodbye; errors are ignored (the message is already accepted or refused).
    func quit() async {
        _ = try? await command(.quit)
    }

    private func hello() async throws -> SMTPCapabilities {
        let ehlo = try await command(.ehlo(clientName))
        if ehlo.code == 250 { return SMTPCapabilities(ehlo: ehlo) }
        guard ehlo.isPermanent else { throw SMTPError.refused("EHLO", ehlo) }
        let helo = try await command(.helo(clientName))  // an old server: no extensions
        guard helo.code == 250 else { throw SMTPError.refused("HELO", helo) }
        return .none
    }

    private func authenticate(_ credentials: Credentials, _ capabilities: SMTPCapabilities) async throws {
        guard await transport.isEncrypted else {
            throw SMTPError(kind: .tls, message: "Refusing to send the password over an unencrypted connection; use security 'starttls' or 'tls'")
        }
        let password = credentials.password.reveal()
        let reply: SMTPReply
        if capabilities.authMechanisms.contains("PLAIN") {
            reply = try await command(.authPlain(user: credentials.user, password: password))
        } else if capabilities.authMechanisms.contains("LOGIN") {
            let userPrompt = try await command(.authLogin)
            guard userPrompt.code == 334 else { throw authFailure(userPrompt) }
            let passwordPrompt = try await command(.base64(credentials.user))
            guard passwordPrompt.code == 334 else { throw authFailure(passwordPrompt) }
            reply = try await command(.base64(password))
        } else {
            throw SMTPError(
                kind: .authentication,
                message: "The server offers no AUTH mechanism the client supports (PLAIN, LOGIN); it offers: \(capabilities.authMechanisms.sorted().joined(separator: ", "))"
            )
        }
        guard reply.code == 235 else { throw authFailure(reply) }
    }

    private func authFailure(_ reply: SMTPReply) -> SMTPError {
        let hint = reply.code == 535 ? " (check the user and password)" : ""
        return SMTPError(kind: reply.isTransient ? .transient : .authentication, code: reply.code, enhancedCode: reply.enhancedCode, message: "The server refused the login\(hint): \(reply)")
    }

    private func command(_ command: SMTPCommand) async throws -> SMTPReply {
        logger.trace("SMTP command", metadata: ["smtp.command": "\(command.loggable)"])
        try await transport.send(Array(command.line.utf8))
        return try await transport.readReply(awaiting: "the reply to \(command.step)")
    }
}
