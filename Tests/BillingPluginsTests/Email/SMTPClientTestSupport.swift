import BilingusTestSupport
import BillingCore
@testable import BillingPlugins
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// What the SMTPClient tests share: servers built from the test server's environment,
/// unique addresses, a message, and local listeners that misbehave.
enum SMTPClientTestSupport {
    /// An address no other test uses; `prefix` drives the server (`reject`, `permfail`, `tempfail1`).
    static func address(_ prefix: String = "to") -> String {
        "\(prefix)-\(UUID().uuidString.lowercased())@example.com"
    }

    /// The test server's STARTTLS port (or SMTPS with `.implicitTLS`), trusting its certificate.
    static func server(
        _ test: SMTPTestServer,
        security: SMTPSession.Security = .startTLS,
        password: String? = nil,
        trustRoots: SMTPServer.TrustRoots? = nil,
        tlsServerName: String? = nil
    ) -> SMTPServer {
        SMTPServer(
            host: test.host,
            port: security == .implicitTLS ? test.implicitTLSPort : test.port,
            security: security,
            credentials: SMTPSession.Credentials(user: test.user, password: Secret(password ?? test.password)),
            trustRoots: trustRoots ?? .pemFile(test.caCertificatePath),
            tlsServerName: tlsServerName,
            clientName: "billing.test",
            commandTimeout: .seconds(10),
            connectTimeout: .seconds(5)
        )
    }

    /// A small message with a line that needs dot-stuffing, as the server should save it.
    static func message(to recipient: String, subject: String = "Invoice 42") -> [UInt8] {
        Array("From: billing@example.com\r\nTo: \(recipient)\r\nSubject: \(subject)\r\n\r\nHello.\r\n.A line starting with a dot\r\n".utf8)
    }

    static func logger() -> Logger {
        Logger(label: "test.smtp", factory: { _ in SwiftLogNoOpLogHandler() })
    }

    /// A port on 127.0.0.1 nobody listens on: bound, then closed.
    static func closedPort() async throws -> Int {
        // A socket bound to the port but never listening: connecting is refused, and, unlike a
        // port bound and closed again, no other test's listener can take it meanwhile (CI saw
        // one do that). The socket stays open until the test process exits.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ListenerError() }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else {
            close(fd)
            throw ListenerError()
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// A listener on 127.0.0.1 that accepts connections and never says a word.
    static func silentListener() async throws -> (channel: any Channel, port: Int) {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { $0.eventLoop.makeSucceededVoidFuture() }
            .bind(host: "127.0.0.1", port: 0).get()
        return (channel, try requirePortValue(channel))
    }

    /// A self-signed certificate valid only for the DNS name `name` (no IP address), made with
    /// openssl, and a server TLS context presenting it. Returns the PEM path to trust.
    static func certificate(for name: String) throws -> (pemPath: String, serverContext: NIOSSLContext) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("smtp-cert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let cert = folder.appendingPathComponent("cert.pem").path, key = folder.appendingPathComponent("key.pem").path
        let openssl = try Spawn.start(
            "/usr/bin/env",
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=\(name)", "-addext", "subjectAltName=DNS:\(name)",
             "-keyout", key, "-out", cert], stdout: .null, stderr: .null)
        guard openssl.wait() == 0 else { throw ListenerError() }
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
        )
        return (cert, try NIOSSLContext(configuration: configuration))
    }

    private static func requirePortValue(_ channel: any Channel) throws -> Int {
        guard let port = channel.localAddress?.port else { throw ListenerError() }
        return port
    }

    struct ListenerError: Error {}
}
