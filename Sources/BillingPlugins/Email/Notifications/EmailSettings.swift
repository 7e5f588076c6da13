import BillingCore
import Foundation

/// The email plugin's settings for one tenant, read from its `PluginSettings`.
///
/// | Key | Type | Default |
/// |---|---|---|
/// | `smtpHost` | string | none: messages are written to `outboxDirectory` instead |
/// | `smtpPort` | integer | 587 for `starttls`, 465 for `tls`, 25 for `none` |
/// | `security` | `starttls`, `tls` or `none` | `starttls` (required, never skipped) |
/// | `user` | string | none (no AUTH) |
/// | `password` | secret string | required with `user` |
/// | `trustedCertificatesFile` | path of a PEM file | the system's trust roots |
/// | `tlsServerName` | string | `smtpHost` (the name the certificate must carry) |
/// | `clientName` | string, sent in EHLO | this machine's host name |
/// | `connectTimeoutSeconds` / `commandTimeoutSeconds` | integer | 10 / 30 |
/// | `from` | address | required |
/// | `fromName` | string | none |
/// | `replyTo` | address | none |
/// | `events` | list of event types | ``EmailNotificationPlugin/defaultEvents`` |
/// | `copyTo` | list of addresses | none: each also gets its own copy of every message |
/// | `defaultLocale` | string | `en` |
/// | `templatesDirectory` | path | built-in templates only |
/// | `outboxDirectory` | path | none (required when `smtpHost` is absent) |
/// | `maxSendAttempts` | integer, 1 to 50 | 5 |
/// | `messageIdDomain` | string | the domain of `from` |
///
/// Every key may be overridden per tenant; they are read at each message, so a change
/// applies from the next message on.
struct EmailSettings: Sendable {
    /// Where messages go.
    enum Destination: Sendable, Hashable {
        /// A mail server.
        case smtp(SMTPServer)
        /// A folder of `.eml` files (development, the demo, or a pickup directory).
        case directory(String)
    }

    /// Where messages go.
    var destination: Destination
    /// Whether messages go to a mail server (not a folder).
    var isSMTP: Bool {
        if case .smtp = destination { return true }
        return false
    }
    /// The sender.
    var from: EmailAddress
    /// Where replies go, if not to the sender.
    var replyTo: EmailAddress?
    /// The event types that are mailed.
    var events: Set<BillingEventType>
    /// Addresses that get their own copy of every message.
    var copyTo: [EmailAddress]
    /// The locale of recipients who name none, and the last fallback.
    var defaultLocale: String
    /// Where the host's own templates are, if anywhere.
    var templatesDirectory: String?
    /// The right-hand side of `Message-ID`s: the sender's domain unless `messageIdDomain` says otherwise.
    var messageIdDomain: String
    /// Attempts before a transient failure (4xx, no connection) is given up as failed.
    var maxSendAttempts: Int

    /// Reads and checks the settings.
    /// - Throws: `invalid.argument` naming the setting at fault (never a password).
    init(_ settings: PluginSettings) throws {
        if let host = try settings["smtpHost"].map({ _ in try settings.string("smtpHost") }), !host.isEmpty {
            destination = .smtp(try Self.server(host: host, settings))
        } else if let directory = try settings["outboxDirectory"].map({ _ in try settings.string("outboxDirectory") }), !directory.isEmpty {
            destination = .directory(directory)
        } else {
            throw BillingError(.invalidArgument, "Set 'smtpHost' (a mail server) or 'outboxDirectory' (a folder for .eml files)", field: "smtpHost")
        }
        from = try Self.address(settings, "from", name: try settings["fromName"].map { _ in try settings.string("fromName") })
        replyTo = try settings["replyTo"].map { _ in try Self.address(settings, "replyTo", name: nil) }
        let eventNames = try settings.strings("events", default: EmailNotificationPlugin.defaultEvents.map(\.rawValue))
        events = Set(
            try eventNames.map { name in
                do { return try BillingEventType(name) } catch {
                    throw BillingError(.invalidArgument, "Setting 'events' holds '\(name)', which is not an event type", field: "events")
                }
            })
        copyTo = try settings.strings("copyTo", default: []).map { address in
            do { return try EmailAddress(address) } catch {
                throw BillingError(.invalidArgument, "Setting 'copyTo' holds an invalid address", field: "copyTo", underlying: error)
            }
        }
        defaultLocale = try settings.string("defaultLocale", default: "en")
        templatesDirectory = try settings["templatesDirectory"].map { _ in try settings.string("templatesDirectory") }
        messageIdDomain = try settings.string("messageIdDomain", default: String(from.address.split(separator: "@").last ?? "localhost"))
        maxSendAttempts = Int(try Self.bounded(settings, "maxSendAttempts", default: 5, 1...50))
    }

    /// This machine's host name, looked up once: settings are read at every message, and
    /// Foundation's `hostName` may ask the resolver.
    private static let machineName = ProcessInfo.processInfo.hostName

    private static func server(host: String, _ settings: PluginSettings) throws -> SMTPServer {
        let securityName = try settings.string("security", default: SMTPSession.Security.startTLS.rawValue)
        guard let security = SMTPSession.Security(rawValue: securityName) else {
            throw BillingError(.invalidArgument, "Setting 'security' must be 'starttls', 'tls' or 'none'", field: "security")
        }
        let loopback = ["127.0.0.1", "localhost", "::1"].contains(host.lowercased())
        if security == .none && !loopback {
            throw BillingError(
                .invalidArgument, "Setting 'security' is 'none', which is allowed only for a relay on this machine; use 'starttls' or 'tls' for \(host)",
                field: "security")
        }
        let defaultPort: Int64 = security == .implicitTLS ? 465 : security == .startTLS ? 587 : 25
        let port = Int(try bounded(settings, "smtpPort", default: defaultPort, 1...65_535))
        var credentials: SMTPSession.Credentials?
        if settings["user"] != nil {
            guard settings["password"]?.isSecret == true else {
                throw BillingError(.invalidArgument, "Setting 'password' must be given as a secret (.secret(\"...\")) with 'user'", field: "password")
            }
            credentials = SMTPSession.Credentials(user: try settings.string("user"), password: try settings.secret("password"))
        }
        let trustFile = try settings["trustedCertificatesFile"].map { _ in try settings.string("trustedCertificatesFile") }
        return SMTPServer(
            host: host, port: port, security: security, credentials: credentials,
            trustRoots: trustFile.map { .pemFile($0) } ?? .system,
            tlsServerName: try settings["tlsServerName"].map { _ in try settings.string("tlsServerName") },
            clientName: try settings.string("clientName", default: Self.machineName),
            commandTimeout: .seconds(try bounded(settings, "commandTimeoutSeconds", default: 30, 1...600)),
            connectTimeout: .seconds(try bounded(settings, "connectTimeoutSeconds", default: 10, 1...300))
        )
    }

    private static func address(_ settings: PluginSettings, _ key: String, name: String?) throws -> EmailAddress {
        do {
            return try EmailAddress(try settings.string(key), name: name)
        } catch let error as BillingError where error.code == .invalidArgument && error.field != key {
            throw BillingError(.invalidArgument, "Setting '\(key)' is not a valid email address: \(error.message)", field: key)
        }
    }

    private static func bounded(_ settings: PluginSettings, _ key: String, default value: Int64, _ range: ClosedRange<Int64>) throws -> Int64 {
        let number = try settings.int(key, default: value)
        guard range.contains(number) else {
            throw BillingError(.invalidArgument, "Setting '\(key)' must be between \(range.lowerBound) and \(range.upperBound)", field: key)
        }
        return number
    }
}
