#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOPosix
import NIOSSL

/// Turns what NIO and NIOSSL throw into an `SMTPError` an operator can act on: which server,
/// which step, and what to check. Never includes a credential (none reaches these errors).
enum SMTPConnectionErrors {
    /// A failure to open the TCP connection.
    static func connecting(_ error: any Error, to server: SMTPServer) -> SMTPError {
        let endpoint = server.endpoint
        if let error = error as? NIOConnectionError {
            if error.connectionErrors.contains(where: { isRefused($0.error) }) { return refusedError(endpoint) }
            if error.connectionErrors.contains(where: { isConnectTimeout($0.error) }) { return connectTimeoutError(server) }
            if let first = error.connectionErrors.first {
                return SMTPError(kind: .connection, message: "Could not connect to \(endpoint): \(first.error)")
            }
            if let dns = error.dnsAError ?? error.dnsAAAAError {
                return dnsError(server, dns)
            }
            return dnsError(server, nil)
        }
        if isRefused(error) { return refusedError(endpoint) }
        if isConnectTimeout(error) { return connectTimeoutError(server) }
        if error is SocketAddressError { return dnsError(server, error) }
        return SMTPError(kind: .connection, message: "Could not connect to \(endpoint): \(error)")
    }

    /// A failure on the open connection while waiting for `what` ("the greeting", "the reply to EHLO").
    static func exchanging(_ error: any Error, with server: SMTPServer, awaiting what: String) -> SMTPError {
        let endpoint = server.endpoint
        switch error {
        case let error as SMTPError:
            return error
        case is SMTPReplyHandler.TimedOut:
            return SMTPError(
                kind: .connection,
                message: "Timed out after \(seconds(server.commandTimeout)) s waiting for \(what) from \(endpoint) (the command timeout); the connection was closed"
            )
        case is SMTPReplyHandler.Closed, ChannelError.ioOnClosedChannel, ChannelError.eof, ChannelError.alreadyClosed, NIOSSLError.uncleanShutdown:
            return SMTPError(kind: .connection, message: "The connection to \(endpoint) closed while waiting for \(what)")
        case let error as SMTPProtocolError:
            return SMTPError(kind: .protocolViolation, message: "The server at \(endpoint) broke the protocol while the client waited for \(what): \(error)")
        case let error as NIOSSLExtraError where error == .failedToValidateHostname:
            let name = server.certificateName ?? server.host
            return SMTPError(
                kind: .tls,
                message: "The TLS certificate of \(endpoint) does not match the name '\(name)' (hostname mismatch); set the host to a name the certificate carries (or tlsServerName), or fix the server's certificate"
            )
        case let error as NIOSSLError:
            return tlsError(error, server)
        default:
            return SMTPError(kind: .connection, message: "The connection to \(endpoint) failed while waiting for \(what): \(error)")
        }
    }

    /// A trust-roots file that cannot be used; said before any connection is tried.
    static func trustRoots(_ error: any Error, _ server: SMTPServer) -> SMTPError {
        SMTPError(kind: .tls, message: "Could not load \(server.trustRoots) for \(server.endpoint): \(error); the trust setting must name a readable PEM file of CA certificates")
    }

    static func seconds(_ duration: Duration) -> String {
        let (whole, atto) = duration.components
        let millis = whole * 1000 + atto / 1_000_000_000_000_000
        return millis % 1000 == 0 ? "\(millis / 1000)" : "\(Double(millis) / 1000)"
    }

    private static func tlsError(_ error: NIOSSLError, _ server: SMTPServer) -> SMTPError {
        let endpoint = server.endpoint
        let text = "\(error)"
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return SMTPError(
                kind: .tls,
                message: "The TLS certificate of \(endpoint) is not trusted (untrusted issuer: self-signed, a private CA, or expired) by \(server.trustRoots); if the server uses a private CA, set the trust roots to its PEM file"
            )
        }
        if text.contains("WRONG_VERSION_NUMBER") || text.contains("PACKET_LENGTH_TOO_LONG") || text.contains("HTTP_REQUEST") {
            return SMTPError(
                kind: .tls,
                message: "The server at \(endpoint) did not answer in TLS; is the port right for security '\(server.security.rawValue)' (465 for implicit TLS, 587 for STARTTLS)? \(text)"
            )
        }
        return SMTPError(kind: .tls, message: "The TLS handshake with \(endpoint) failed: \(text)")
    }

    private static func isRefused(_ error: any Error) -> Bool {
        (error as? IOError)?.errnoCode == ECONNREFUSED
    }

    private static func isConnectTimeout(_ error: any Error) -> Bool {
        if case .connectTimeout = error as? ChannelError { true } else { false }
    }

    private static func refusedError(_ endpoint: String) -> SMTPError {
        SMTPError(kind: .connection, message: "Could not connect to \(endpoint): connection refused — is the SMTP server running and the port right?")
    }

    private static func connectTimeoutError(_ server: SMTPServer) -> SMTPError {
        SMTPError(
            kind: .connection,
            message: "Timed out after \(seconds(server.connectTimeout)) s connecting to \(server.endpoint) (the connect timeout); is the host right and the port open in the firewall?"
        )
    }

    private static func dnsError(_ server: SMTPServer, _ error: (any Error)?) -> SMTPError {
        SMTPError(
            kind: .connection,
            message: "Could not resolve the SMTP host '\(server.host)'\(error.map { ": \($0)" } ?? " (no addresses)"); check the host name"
        )
    }
}
