public import BillingCore
import Foundation

/// The Stripe plugin's settings for one tenant, read from its `PluginSettings`.
///
/// | Key | Type | Default |
/// |---|---|---|
/// | `apiKey` | secret string, `sk_...` or `rk_...` | required |
/// | `baseURL` | string | `https://api.stripe.com` |
/// | `apiVersion` | string, sent as `Stripe-Version` | ``defaultAPIVersion`` |
/// | `connectTimeoutSeconds` | integer | 10 |
/// | `readTimeoutSeconds` | integer | 30 |
/// | `maxRetries` | integer, 0 to 10 | 2 |
/// | `webhookSecret` | secret string, `whsec_...` | none (inbound webhooks refused) |
/// | `previousWebhookSecret` | secret string | none (set while rolling the secret) |
/// | `webhookToleranceSeconds` | integer | 300 |
///
/// Every key may be overridden per tenant, so each tenant pays with its own Stripe account.
public struct StripeSettings: Sendable {
    /// The `Stripe-Version` sent when the settings name none: the version this plugin is tested against.
    public static let defaultAPIVersion = "2024-06-20"
    /// Stripe's API.
    public static let defaultBaseURL = "https://api.stripe.com"

    /// The secret API key.
    public var apiKey: Secret
    /// Where requests go, without a trailing slash.
    public var baseURL: String
    /// The pinned `Stripe-Version`.
    public var apiVersion: String
    /// How long to wait for a connection.
    public var connectTimeout: Duration
    /// How long to wait for the answer once connected.
    public var readTimeout: Duration
    /// How many times a failed request is retried (with the same idempotency key).
    public var maxRetries: Int
    /// The secrets inbound webhooks may be signed with (the current one first).
    public var webhookSecrets: [Secret]
    /// How far a webhook's signed timestamp may be from now.
    public var webhookTolerance: Duration

    /// Reads and checks the settings.
    /// - Throws: `invalid.argument` naming the setting at fault (never its value).
    public init(_ settings: PluginSettings) throws {
        try self.init(settings, apiKey: try Self.apiKey(in: settings))
    }

    /// Reads every setting but the API key (which `apiKey` gives): the defaults of a
    /// plugin whose tenants each bring their own key are checked this way.
    init(_ settings: PluginSettings, apiKey: Secret) throws {
        self.apiKey = apiKey
        baseURL = try Self.checkedBaseURL(try settings.string("baseURL", default: Self.defaultBaseURL))
        apiVersion = try settings.string("apiVersion", default: Self.defaultAPIVersion)
        guard !apiVersion.isEmpty, apiVersion.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }) else {
            throw BillingError(.invalidArgument, "Setting 'apiVersion' must be a Stripe API version such as \(Self.defaultAPIVersion)", field: "apiVersion")
        }
        connectTimeout = .seconds(try Self.bounded(settings, "connectTimeoutSeconds", default: 10, 1...300))
        readTimeout = .seconds(try Self.bounded(settings, "readTimeoutSeconds", default: 30, 1...600))
        maxRetries = Int(try Self.bounded(settings, "maxRetries", default: 2, 0...10))
        webhookSecrets = try ["webhookSecret", "previousWebhookSecret"].compactMap { name in
            guard let value = settings[name] else { return nil }
            guard value.isSecret else {
                throw BillingError(.invalidArgument, "Setting '\(name)' must be given as a secret (.secret(\"whsec_...\"))", field: name)
            }
            return try settings.secret(name)
        }
        webhookTolerance = .seconds(try Self.bounded(settings, "webhookToleranceSeconds", default: 300, 1...86_400))
    }

    /// The `apiKey` setting, checked: a secret or restricted key, never a publishable one.
    static func apiKey(in settings: PluginSettings) throws -> Secret {
        let secret = try settings.secret("apiKey")
        guard settings["apiKey"]?.isSecret == true else {
            // A plain value would be stored in clear and shown in listings.
            throw BillingError(.invalidArgument, "Setting 'apiKey' must be given as a secret (.secret(\"sk_...\"))", field: "apiKey")
        }
        let key = secret.reveal()
        if key.hasPrefix("pk_") {
            throw BillingError(.invalidArgument, "Setting 'apiKey' holds a publishable key; server calls need a secret (sk_) or restricted (rk_) key", field: "apiKey")
        }
        guard key.hasPrefix("sk_") || key.hasPrefix("rk_"), key.count > 8, !key.contains(where: { $0.isWhitespace }) else {
            throw BillingError(.invalidArgument, "Setting 'apiKey' must be a Stripe secret (sk_) or restricted (rk_) key", field: "apiKey")
        }
        return secret
    }

    private static func bounded(_ settings: PluginSettings, _ key: String, default value: Int64, _ range: ClosedRange<Int64>) throws -> Int64 {
        let number = try settings.int(key, default: value)
        guard range.contains(number) else {
            throw BillingError(.invalidArgument, "Setting '\(key)' must be between \(range.lowerBound) and \(range.upperBound)", field: key)
        }
        return number
    }

    /// HTTPS, or plain HTTP to this machine only (a local test server): an API key never crosses a network in clear.
    private static func checkedBaseURL(_ text: String) throws -> String {
        let trimmed = text.hasSuffix("/") ? String(text.dropLast()) : text
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty,
            url.query == nil, url.fragment == nil
        else {
            throw BillingError(.invalidArgument, "Setting 'baseURL' must be an absolute URL such as \(defaultBaseURL)", field: "baseURL")
        }
        let loopback = ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host.lowercased())
        guard scheme == "https" || (scheme == "http" && loopback) else {
            throw BillingError(.invalidArgument, "Setting 'baseURL' must use https (plain http only to this machine)", field: "baseURL")
        }
        return trimmed
    }
}
