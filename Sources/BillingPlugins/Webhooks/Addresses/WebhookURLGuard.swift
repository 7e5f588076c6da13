import BillingCore
import Foundation

/// A webhook URL the SSRF guard accepted, in the parts a delivery needs to send to exactly
/// what was checked: connect to one of ``addresses`` (never resolve ``host`` again, so DNS
/// rebinding cannot slip through), and use ``host`` for the `Host` header and TLS's SNI.
struct CheckedWebhookTarget: Sendable, Hashable {
    /// `http` or `https`, lowercase.
    var scheme: String
    /// The host as the URL writes it (IDNA-encoded ASCII, lowercase not forced), without the
    /// brackets of an IPv6 literal.
    var host: String
    /// The URL's port, or 80 / 443 for the scheme.
    var port: Int
    /// The path and query, percent-encoded as in the URL, `/` when the path is empty; no fragment.
    var requestTarget: String
    /// Every address the host resolved to, each checked (an IP literal is its own one address).
    var addresses: [WebhookIPAddress]
    /// Whether the host is allow-listed, so plain HTTP and any address were accepted.
    var isAllowListed: Bool

    /// Whether the request is sent over TLS.
    var usesTLS: Bool { scheme == "https" }
}

/// The SSRF guard: decides whether a webhook may be sent to a URL, at an endpoint's creation
/// and again before every delivery.
///
/// A URL passes when it is `https` (or `http` to an allow-listed host), has a host and no user
/// name or password, and every address its host resolves to is public, or the host is
/// allow-listed, or that address itself is. One refused address refuses the URL, since the
/// connection could land on any of them.
struct WebhookURLGuard: Sendable {
    /// The allow-list.
    var policy: WebhookAddressPolicy
    private let resolver: WebhookHostResolver

    /// A guard with `policy`, resolving names with `resolver` (the system's by default).
    init(policy: WebhookAddressPolicy = .strict, resolver: WebhookHostResolver = .system) {
        self.policy = policy
        self.resolver = resolver
    }

    /// Checks `url` and resolves its host.
    ///
    /// - Throws: `BillingError` with field `url`: `webhook.url_refused` saying which rule or which
    ///   address and range refused it; `webhook.url_unresolvable` when the host has no address.
    ///   Messages name the host and addresses, never the user info, path or query.
    func check(_ url: String) async throws -> CheckedWebhookTarget {
        var target = try parse(url)
        if let literal = WebhookIPAddress(target.host) {
            try checkAddress(literal, of: target)
            target.addresses = [literal]
            return target
        }
        let addresses = try await resolver.resolve(target.host)
        guard !addresses.isEmpty else {
            throw BillingError(.webhookURLUnresolvable, "The webhook URL's host \(target.host) has no address", field: "url")
        }
        for address in addresses {
            try checkAddress(address, of: target)
        }
        target.addresses = addresses
        return target
    }

    /// The URL's parts, with the rules that need no resolution applied; no addresses yet.
    func parse(_ url: String) throws -> CheckedWebhookTarget {
        guard let components = URLComponents(string: url), let rawScheme = components.scheme else {
            throw Self.refused("A webhook URL must be an absolute http or https URL")
        }
        let scheme = rawScheme.lowercased()
        guard scheme == "https" || scheme == "http" else {
            throw Self.refused("A webhook URL must be http or https, not \(scheme)")
        }
        guard components.user == nil, components.password == nil else {
            throw Self.refused("A webhook URL must not contain a user name or password")
        }
        let host = try Self.host(of: components)
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        guard (1...65_535).contains(port) else {
            throw Self.refused("A webhook URL's port must be 1 to 65535, not \(port)")
        }
        let allowListed = policy.allows(host: host)
        guard scheme == "https" || allowListed else {
            throw Self.refused("A webhook URL must use https; plain http is allowed only to allow-listed hosts, and \(host) is not one")
        }
        var requestTarget = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        if let query = components.percentEncodedQuery {
            requestTarget += "?" + query
        }
        return CheckedWebhookTarget(scheme: scheme, host: host, port: port, requestTarget: requestTarget, addresses: [], isAllowListed: allowListed)
    }

    /// The host without IPv6 brackets: a bracketed IPv6 literal (no zone), or a name or IPv4
    /// literal of letters, digits, `.`, `-` and `_` (IDNA-encoded by Foundation; no
    /// percent-encoding, which could smuggle a NUL or a different name past the check).
    private static func host(of components: URLComponents) throws -> String {
        guard let host = components.encodedHost, !host.isEmpty else {
            throw Self.refused("A webhook URL must have a host")
        }
        if host.hasPrefix("[") {
            let inner = String(host.dropFirst().dropLast())
            guard host.hasSuffix("]"), let address = WebhookIPAddress(inner), !address.isIPv4 else {
                throw Self.refused("A webhook URL's bracketed host must be an IPv6 address without a zone")
            }
            return inner
        }
        let allowed = host.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
            case UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"): true
            default: false
            }
        }
        guard allowed, host.utf8.count <= 253 else {
            throw Self.refused("A webhook URL's host must be a DNS name or an IP address (letters, digits, '.', '-', '_'; at most 253 characters)")
        }
        return host
    }

    /// Refuses `address` when it is in a refused range and neither the host nor it is allow-listed.
    private func checkAddress(_ address: WebhookIPAddress, of target: CheckedWebhookTarget) throws {
        guard !target.isAllowListed, !policy.allows(address: address), let refusal = WebhookAddressClassifier.refusal(for: address) else {
            return
        }
        if WebhookIPAddress(target.host) == address {
            throw Self.refused("The webhook URL's host \(address) is \(refusal.explanation)")
        }
        throw Self.refused("The webhook URL's host \(target.host) resolves to \(address), \(refusal.explanation)")
    }

    private static func refused(_ message: String) -> BillingError {
        BillingError(.webhookURLRefused, message, field: "url")
    }
}
