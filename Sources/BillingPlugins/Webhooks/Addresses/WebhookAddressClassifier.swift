/// Why an address may not receive webhooks: the range it is in, and, for an IPv6 address that
/// carries an IPv4 one, which form carries it.
struct WebhookAddressRefusal: Sendable, Hashable {
    /// The kind of range.
    enum Kind: Sendable, Hashable {
        case loopback
        case privateNetwork
        case linkLocal
        case carrierGradeNAT
        case multicast
        case unspecified
        case broadcast
        case reserved
    }

    /// How an IPv6 address carries the IPv4 address that is refused.
    enum Embedding: Sendable, Hashable {
        /// `::ffff:a.b.c.d` (::ffff:0:0/96).
        case ipv4Mapped
        /// `::a.b.c.d` (::/96, deprecated).
        case ipv4Compatible
        /// `64:ff9b::a.b.c.d` (64:ff9b::/96, the well-known NAT64 prefix).
        case nat64
        /// `2002:AABB:CCDD::/48` (2002::/16, 6to4).
        case sixToFour
    }

    /// The IPv4 address an IPv6 one carries, and the form that carries it.
    struct Embedded: Sendable, Hashable {
        var form: Embedding
        var ipv4: WebhookIPAddress
    }

    /// The kind of range.
    var kind: Kind
    /// The range, in CIDR notation: `10.0.0.0/8`.
    var range: String
    /// The form and the IPv4 address, when the refused address is an IPv4 one inside IPv6.
    var embedded: Embedded?

    /// What it is, to follow an address: "a private address (10.0.0.0/8)", or
    /// "an IPv4-mapped IPv6 form of 10.0.0.5, a private address (10.0.0.0/8)".
    var explanation: String {
        let range = "\(rangeDescription) (\(self.range))"
        guard let embedded else {
            return range
        }
        return "\(embedded.form.description) of \(embedded.ipv4), \(range)"
    }

    private var rangeDescription: String {
        switch kind {
        case .loopback: "a loopback address"
        case .privateNetwork: "a private address"
        case .linkLocal where range == "169.254.0.0/16": "a link-local address, the range of the cloud metadata service (169.254.169.254)"
        case .linkLocal: "a link-local address"
        case .carrierGradeNAT: "a carrier-grade NAT address"
        case .multicast: "a multicast address"
        case .unspecified: "an unspecified address"
        case .broadcast: "the broadcast address"
        case .reserved: "a reserved address"
        }
    }
}

extension WebhookAddressRefusal.Embedding: CustomStringConvertible {
    var description: String {
        switch self {
        case .ipv4Mapped: "an IPv4-mapped IPv6 form (::ffff:0:0/96)"
        case .ipv4Compatible: "an IPv4-compatible IPv6 form (::/96)"
        case .nat64: "a NAT64 IPv6 form (64:ff9b::/96)"
        case .sixToFour: "a 6to4 IPv6 form (2002::/16)"
        }
    }
}

/// Sorts addresses into those a webhook may be sent to and those it may not: every range
/// that reaches this machine, its networks or its cloud's services, in IPv4 and IPv6, and the
/// IPv6 forms that carry such an IPv4 address.
enum WebhookAddressClassifier {
    /// An address prefix, `10.0.0.0/8`.
    private struct Prefix {
        var address: WebhookIPAddress
        var length: Int
        var text: String

        init(_ text: String) {
            let parts = text.split(separator: "/")
            guard parts.count == 2, let address = WebhookIPAddress(String(parts[0])), let length = Int(parts[1]) else {
                preconditionFailure("Malformed prefix \(text)")
            }
            self.address = address
            self.length = length
            self.text = text
        }

        func contains(_ candidate: WebhookIPAddress) -> Bool {
            candidate.isIn(address, length: length)
        }
    }

    private struct Range {
        var prefix: Prefix
        var kind: WebhookAddressRefusal.Kind

        init(_ text: String, _ kind: WebhookAddressRefusal.Kind) {
            prefix = Prefix(text)
            self.kind = kind
        }
    }

    /// First match wins: the broadcast address before the reserved block that holds it.
    private static let ipv4Ranges: [Range] = [
        Range("0.0.0.0/8", .unspecified),
        Range("10.0.0.0/8", .privateNetwork),
        Range("100.64.0.0/10", .carrierGradeNAT),
        Range("127.0.0.0/8", .loopback),
        Range("169.254.0.0/16", .linkLocal),
        Range("172.16.0.0/12", .privateNetwork),
        Range("192.168.0.0/16", .privateNetwork),
        Range("224.0.0.0/4", .multicast),
        Range("255.255.255.255/32", .broadcast),
        Range("240.0.0.0/4", .reserved),
    ]

    /// Checked after the IPv6 forms that embed IPv4 (whose own ranges decide).
    private static let ipv6Ranges: [Range] = [
        Range("fc00::/7", .privateNetwork),
        Range("fec0::/10", .privateNetwork),  // site-local, deprecated, still private
        Range("fe80::/10", .linkLocal),
        Range("ff00::/8", .multicast),
        // Local-use NAT64 (RFC 8215): a translator inside the network, which may reach any IPv4.
        Range("64:ff9b:1::/48", .privateNetwork),
    ]

    /// The forms that carry an IPv4 address, and where in the 16 bytes it is.
    private static let embeddings: [(prefix: Prefix, offset: Int, form: WebhookAddressRefusal.Embedding)] = [
        (Prefix("::ffff:0:0/96"), 12, .ipv4Mapped),
        (Prefix("64:ff9b::/96"), 12, .nat64),
        (Prefix("2002::/16"), 2, .sixToFour),
        (Prefix("::/96"), 12, .ipv4Compatible),
    ]

    private static let ipv6Own: [Range] = [
        Range("::/128", .unspecified),
        Range("::1/128", .loopback),
    ]

    /// Why `address` may not receive webhooks, or nil when it may.
    static func refusal(for address: WebhookIPAddress) -> WebhookAddressRefusal? {
        if address.isIPv4 {
            return refusal(for: address, in: ipv4Ranges)
        }
        // :: and ::1 lie inside ::/96 but are IPv6's own, not IPv4-compatible forms.
        if let own = refusal(for: address, in: ipv6Own) {
            return own
        }
        for embedding in embeddings where embedding.prefix.contains(address) {
            let ipv4 = address.embeddedIPv4(at: embedding.offset)
            guard var inner = refusal(for: ipv4, in: ipv4Ranges) else {
                return nil
            }
            inner.embedded = WebhookAddressRefusal.Embedded(form: embedding.form, ipv4: ipv4)
            return inner
        }
        return refusal(for: address, in: ipv6Ranges)
    }

    private static func refusal(for address: WebhookIPAddress, in ranges: [Range]) -> WebhookAddressRefusal? {
        ranges.first { $0.prefix.contains(address) }.map { WebhookAddressRefusal(kind: $0.kind, range: $0.prefix.text, embedded: nil) }
    }
}
