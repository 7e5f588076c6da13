/// Which webhook URLs may skip the SSRF guard's rules: hosts that may be called over plain
/// HTTP and may be (or resolve to) loopback or private addresses. Everything else must be HTTPS
/// to a public address.
///
/// ```swift
/// let policy = WebhookAddressPolicy(allowedHosts: ["127.0.0.1", "localhost"])  // tests only
/// ```
public struct WebhookAddressPolicy: Sendable, Hashable {
    /// Host names (matched regardless of case and of a trailing dot) and IP addresses
    /// (matched as addresses, so `::1` also allows `[0:0::1]`).
    public var allowedHosts: Set<String>

    /// The default: nothing allow-listed.
    public static let strict = WebhookAddressPolicy()

    /// A policy allowing `allowedHosts`, `127.0.0.1` or `localhost` say, in tests.
    public init(allowedHosts: Set<String> = []) {
        self.allowedHosts = allowedHosts
    }

    /// Whether the URL host `host` (brackets already removed) is allow-listed.
    func allows(host: String) -> Bool {
        if let address = WebhookIPAddress(host) {
            return allows(address: address)
        }
        let name = Self.normalized(host)
        return allowedHosts.contains { Self.normalized($0) == name }
    }

    /// Whether `address` is allow-listed itself (an IP entry equal to it).
    func allows(address: WebhookIPAddress) -> Bool {
        allowedHosts.contains { WebhookIPAddress(Self.unbracketed($0)) == address }
    }

    private static func normalized(_ name: String) -> String {
        let lower = name.lowercased()
        return lower.hasSuffix(".") ? String(lower.dropLast()) : lower
    }

    private static func unbracketed(_ text: String) -> String {
        text.hasPrefix("[") && text.hasSuffix("]") ? String(text.dropFirst().dropLast()) : text
    }
}
