public import BillingCore
import Foundation

/// The SMTP test server that `Scripts/with-test-servers` starts on 127.0.0.1
/// (Tests/Servers/smtp: aiosmtpd), and the messages it saved. What the server does
/// with a message depends only on its recipients (`reject…`, `permfail…`,
/// `tempfail<N>-…`; see Tests/Servers/README.md), so each test uses its own addresses.
public struct SMTPTestServer: Sendable {
    public let host: String
    /// The STARTTLS port (STARTTLS and AUTH required).
    public let port: Int
    /// The implicit-TLS (SMTPS) port: TLS from the first byte, AUTH required.
    public let implicitTLSPort: Int
    public let user: String
    public let password: String
    /// The PEM certificate the server presents (valid for `localhost` and `127.0.0.1`): trust it in tests.
    public let caCertificatePath: String
    /// The folder of accepted messages: `<unix-ns>-<first recipient>.eml` with its envelope as `.json`.
    public let maildir: String

    /// One accepted message: the exact bytes received in DATA, and its envelope.
    public struct ReceivedMessage: Sendable {
        /// The path of the `.eml` file.
        public let path: String
        public let raw: [UInt8]
        public let mailFrom: String
        public let recipients: [String]
    }

    /// The server named by the `BILLING_TEST_SMTP_*` variables.
    /// - Throws: when they are not set: run the tests with `Scripts/test`.
    public static func start() throws -> SMTPTestServer {
        let environment = ProcessInfo.processInfo.environment
        func value(_ name: String) throws -> String {
            guard let value = environment[name], !value.isEmpty else { throw SMTPTestServerError.missing(name) }
            return value
        }
        func number(_ name: String) throws -> Int {
            guard let port = Int(try value(name)) else { throw SMTPTestServerError.missing(name) }
            return port
        }
        return SMTPTestServer(
            host: try value("BILLING_TEST_SMTP_HOST"),
            port: try number("BILLING_TEST_SMTP_PORT"),
            implicitTLSPort: try number("BILLING_TEST_SMTPS_PORT"),
            user: try value("BILLING_TEST_SMTP_USER"),
            password: try value("BILLING_TEST_SMTP_PASSWORD"),
            caCertificatePath: try value("BILLING_TEST_SMTP_CA"),
            maildir: try value("BILLING_TEST_SMTP_MAILDIR")
        )
    }

    /// The accepted messages whose envelope names `recipient` (any case), oldest first.
    public func messages(to recipient: String) throws -> [ReceivedMessage] {
        let names = try FileManager.default.contentsOfDirectory(atPath: maildir).filter { $0.hasSuffix(".eml") }.sorted()
        let wanted = recipient.lowercased()
        return try names.compactMap { name -> ReceivedMessage? in
            let emlPath = (maildir as NSString).appendingPathComponent(name)
            let jsonPath = String(emlPath.dropLast(".eml".count)) + ".json"
            let envelope = try JSONDecoder().decode(Envelope.self, from: Data(contentsOf: URL(fileURLWithPath: jsonPath)))
            guard envelope.rcpt_tos.contains(where: { $0.lowercased() == wanted }) else { return nil }
            let raw = try Data(contentsOf: URL(fileURLWithPath: emlPath))
            return ReceivedMessage(path: emlPath, raw: Array(raw), mailFrom: envelope.mail_from, recipients: envelope.rcpt_tos)
        }
    }

    /// The message as Python's `email` package (policy default) reads it, through
    /// Tests/Servers/smtp/parse_eml.py: `headers` (decoded, RFC 2047 included),
    /// `raw_headers`, `content_type`, and `parts` (each with `content_type`, `charset`,
    /// `transfer_encoding`, `text` and `defects`).
    public func parsed(_ message: ReceivedMessage) throws -> JSONValue {
        let root = Self.packageRoot
        let (status, data, _) = try Spawn.run(
            root.appendingPathComponent(".test-venv/bin/python").path, [root.appendingPathComponent("Tests/Servers/smtp/parse_eml.py").path, message.path])
        guard status == 0 else {
            throw SMTPTestServerError.parserFailed(path: message.path, status: status)
        }
        return try CanonicalJSON.decode(Array(data))
    }

    /// The package folder, from this file's place in Tests/Support/BilingusTestSupport.
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    private struct Envelope: Decodable {
        // The names the server writes (Tests/Servers/smtp/server.py).
        var mail_from: String
        var rcpt_tos: [String]
    }
}

/// Why the SMTP test server cannot be used.
enum SMTPTestServerError: Error, CustomStringConvertible {
    case missing(String)
    case parserFailed(path: String, status: Int32)

    var description: String {
        switch self {
        case .missing(let name):
            "\(name) is not set: run the tests with Scripts/test (or Scripts/with-test-servers swift test ...)"
        case .parserFailed(let path, let status):
            "Tests/Servers/smtp/parse_eml.py exited with status \(status) on \(path)"
        }
    }
}
