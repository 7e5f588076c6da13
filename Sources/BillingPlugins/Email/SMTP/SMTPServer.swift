import BillingCore
import NIOCore

/// Where and how to send mail: one SMTP server with its security, login and limits.
/// `SMTPClient` keeps one connection pool per distinct value, so tenants with their own
/// SMTP settings never share connections. Equality and hashing include the password
/// (two logins are two pools); printing shows it as `***`.
struct SMTPServer: Sendable, Hashable, CustomStringConvertible {
    /// The certificates a server's certificate must chain to.
    enum TrustRoots: Sendable, Hashable, CustomStringConvertible {
        /// The operating system's trust store (public mail providers).
        case system
        /// The CA certificates in a PEM file (a private CA, a self-signed server).
        case pemFile(String)

        var description: String {
            switch self {
            case .system: "the system trust roots"
            case .pemFile(let path): "the trust roots in \(path)"
            }
        }
    }

    /// The host name or IP address to connect to.
    var host: String
    /// The port: 587 for STARTTLS (submission), 465 for implicit TLS, 25 for relays.
    var port: Int
    /// STARTTLS (the default), implicit TLS, or none (a relay on the same machine only).
    var security: SMTPSession.Security
    /// The login, when the server requires one (never sent unencrypted).
    var credentials: SMTPSession.Credentials?
    /// What the server's certificate must chain to.
    var trustRoots: TrustRoots
    /// The name the certificate must carry, when it is not `host` (a server dialled by IP
    /// address whose certificate names its host). Also sent as SNI. Note that NIOSSL also
    /// accepts a certificate whose IP-address SAN is the connected address, whatever the name.
    var tlsServerName: String?
    /// The name given in EHLO: this machine's host name as the server should see it.
    var clientName: String
    /// How long to wait for each reply (and for each write and the TLS handshake).
    var commandTimeout: Duration
    /// How long to wait for the TCP connection.
    var connectTimeout: Duration

    /// A server; by default STARTTLS, system trust roots, 60 s per reply (RFC 5321 §4.5.3.2
    /// asks for minutes; a minute keeps a stuck server from holding a send long) and 10 s to connect.
    init(
        host: String,
        port: Int,
        security: SMTPSession.Security = .startTLS,
        credentials: SMTPSession.Credentials? = nil,
        trustRoots: TrustRoots = .system,
        tlsServerName: String? = nil,
        clientName: String = "localhost",
        commandTimeout: Duration = .seconds(60),
        connectTimeout: Duration = .seconds(10)
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.credentials = credentials
        self.trustRoots = trustRoots
        self.tlsServerName = tlsServerName
        self.clientName = clientName
        self.commandTimeout = commandTimeout
        self.connectTimeout = connectTimeout
    }

    /// `host:port`, with an IPv6 address in brackets: how errors name the server.
    var endpoint: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Whether `host` is an IP address (then the certificate must carry it as an IP SAN and no SNI is sent).
    var hostIsIPAddress: Bool { (try? SocketAddress(ipAddress: host, port: 0)) != nil }

    /// The name the certificate is checked against, or nil to check the connected IP address.
    var certificateName: String? { tlsServerName ?? (hostIsIPAddress ? nil : host) }

    var description: String {
        "SMTPServer(\(endpoint), \(security.rawValue), user: \(credentials?.user ?? "none"), \(trustRoots))"
    }
}

extension SMTPSession.Credentials: CustomStringConvertible {
    var description: String { "Credentials(user: \(user), password: ***)" }
}
