@testable import BillingPlugins
import Testing

@Suite("WebhookAddressClassifier")
struct WebhookAddressClassifierTests {
    typealias Kind = WebhookAddressRefusal.Kind
    typealias Embedding = WebhookAddressRefusal.Embedding

    /// Every refused range, at its first and last address and in between, in IPv4, IPv6 and the
    /// IPv6 forms that carry IPv4.
    static let refused: [(address: String, kind: Kind, range: String, embedding: Embedding?)] = [
        ("0.0.0.0", .unspecified, "0.0.0.0/8", nil),
        ("0.255.255.255", .unspecified, "0.0.0.0/8", nil),
        ("10.0.0.0", .privateNetwork, "10.0.0.0/8", nil),
        ("10.0.0.5", .privateNetwork, "10.0.0.0/8", nil),
        ("10.255.255.255", .privateNetwork, "10.0.0.0/8", nil),
        ("100.64.0.0", .carrierGradeNAT, "100.64.0.0/10", nil),
        ("100.127.255.255", .carrierGradeNAT, "100.64.0.0/10", nil),
        ("127.0.0.1", .loopback, "127.0.0.0/8", nil),
        ("127.255.255.254", .loopback, "127.0.0.0/8", nil),
        ("169.254.0.0", .linkLocal, "169.254.0.0/16", nil),
        ("169.254.169.254", .linkLocal, "169.254.0.0/16", nil),
        ("169.254.255.255", .linkLocal, "169.254.0.0/16", nil),
        ("172.16.0.0", .privateNetwork, "172.16.0.0/12", nil),
        ("172.31.255.255", .privateNetwork, "172.16.0.0/12", nil),
        ("192.168.0.0", .privateNetwork, "192.168.0.0/16", nil),
        ("192.168.255.255", .privateNetwork, "192.168.0.0/16", nil),
        ("224.0.0.0", .multicast, "224.0.0.0/4", nil),
        ("239.255.255.255", .multicast, "224.0.0.0/4", nil),
        ("255.255.255.255", .broadcast, "255.255.255.255/32", nil),
        ("240.0.0.0", .reserved, "240.0.0.0/4", nil),
        ("255.255.255.254", .reserved, "240.0.0.0/4", nil),
        ("::", .unspecified, "::/128", nil),
        ("::1", .loopback, "::1/128", nil),
        ("0:0:0:0:0:0:0:1", .loopback, "::1/128", nil),
        ("fc00::", .privateNetwork, "fc00::/7", nil),
        ("fd12:3456:789a::1", .privateNetwork, "fc00::/7", nil),
        ("fd00:ec2::254", .privateNetwork, "fc00::/7", nil),  // AWS's IPv6 metadata address
        ("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", .privateNetwork, "fc00::/7", nil),
        ("fe80::", .linkLocal, "fe80::/10", nil),
        ("fe80::1", .linkLocal, "fe80::/10", nil),
        ("febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", .linkLocal, "fe80::/10", nil),
        ("fec0::1", .privateNetwork, "fec0::/10", nil),
        ("feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", .privateNetwork, "fec0::/10", nil),
        ("ff00::", .multicast, "ff00::/8", nil),
        ("ff02::1", .multicast, "ff00::/8", nil),
        ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", .multicast, "ff00::/8", nil),
        ("64:ff9b:1::a00:5", .privateNetwork, "64:ff9b:1::/48", nil),
        // IPv4-mapped.
        ("::ffff:127.0.0.1", .loopback, "127.0.0.0/8", .ipv4Mapped),
        ("::ffff:7f00:1", .loopback, "127.0.0.0/8", .ipv4Mapped),
        ("::ffff:10.0.0.5", .privateNetwork, "10.0.0.0/8", .ipv4Mapped),
        ("::ffff:169.254.169.254", .linkLocal, "169.254.0.0/16", .ipv4Mapped),
        ("::ffff:100.64.0.1", .carrierGradeNAT, "100.64.0.0/10", .ipv4Mapped),
        ("::ffff:172.16.0.1", .privateNetwork, "172.16.0.0/12", .ipv4Mapped),
        ("::ffff:192.168.1.1", .privateNetwork, "192.168.0.0/16", .ipv4Mapped),
        ("::ffff:224.0.0.1", .multicast, "224.0.0.0/4", .ipv4Mapped),
        ("::ffff:0.0.0.0", .unspecified, "0.0.0.0/8", .ipv4Mapped),
        ("::ffff:255.255.255.255", .broadcast, "255.255.255.255/32", .ipv4Mapped),
        // IPv4-compatible (deprecated).
        ("::127.0.0.1", .loopback, "127.0.0.0/8", .ipv4Compatible),
        ("::10.0.0.5", .privateNetwork, "10.0.0.0/8", .ipv4Compatible),
        ("::2", .unspecified, "0.0.0.0/8", .ipv4Compatible),
        ("::169.254.169.254", .linkLocal, "169.254.0.0/16", .ipv4Compatible),
        // NAT64, the well-known prefix.
        ("64:ff9b::10.0.0.5", .privateNetwork, "10.0.0.0/8", .nat64),
        ("64:ff9b::7f00:1", .loopback, "127.0.0.0/8", .nat64),
        ("64:ff9b::169.254.169.254", .linkLocal, "169.254.0.0/16", .nat64),
        ("64:ff9b::100.100.0.1", .carrierGradeNAT, "100.64.0.0/10", .nat64),
        // 6to4.
        ("2002:7f00:1::", .loopback, "127.0.0.0/8", .sixToFour),
        ("2002:a00:5:1::1", .privateNetwork, "10.0.0.0/8", .sixToFour),
        ("2002:a9fe:a9fe::1", .linkLocal, "169.254.0.0/16", .sixToFour),
        ("2002:c0a8:101::", .privateNetwork, "192.168.0.0/16", .sixToFour),
        ("2002:ac10::", .privateNetwork, "172.16.0.0/12", .sixToFour),
    ]

    /// Just outside each range, and public addresses in each form.
    static let allowed = [
        "1.0.0.0", "1.1.1.1", "8.8.8.8", "9.255.255.255", "11.0.0.1", "93.184.216.34",
        "100.63.255.255", "100.128.0.0", "126.255.255.255", "128.0.0.0",
        "169.253.255.255", "169.255.0.0", "172.15.255.255", "172.32.0.1", "192.167.255.255", "192.169.0.0",
        "223.255.255.255", "192.0.2.1",
        "2001:4860:4860::8888", "2606:4700:4700::1111", "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe00::1", "fe7f:ffff::1",
        "2001:db8::1",
        "::ffff:8.8.8.8", "::ffff:11.0.0.1", "::ffff:100.63.255.255", "::ffff:172.32.0.1",
        "::8.8.8.8", "64:ff9b::8.8.8.8", "64:ff9b::b00:1", "2002:808:808::", "2002:ac20:1::",
        "64:ff9b:2::a00:5", "::fffe:10.0.0.5", "::1:0:0:1",
    ]

    @Test("Refuses every range, naming it", arguments: refused)
    func refuses(row: (address: String, kind: Kind, range: String, embedding: Embedding?)) throws {
        let address = try #require(WebhookIPAddress(row.address), "\(row.address) parses")
        let refusal = try #require(WebhookAddressClassifier.refusal(for: address), "\(row.address) is refused")
        #expect(refusal.kind == row.kind, "\(row.address)")
        #expect(refusal.range == row.range, "\(row.address)")
        #expect(refusal.embedded?.form == row.embedding, "\(row.address)")
        if row.embedding != nil {
            let ipv4 = try #require(refusal.embedded?.ipv4)
            #expect(ipv4.isIPv4)
            #expect(WebhookAddressClassifier.refusal(for: ipv4)?.kind == row.kind, "the embedded \(ipv4) is refused alike")
        }
    }

    @Test("Allows public addresses, including those just outside each range", arguments: allowed)
    func allows(text: String) throws {
        let address = try #require(WebhookIPAddress(text), "\(text) parses")
        let refusal = WebhookAddressClassifier.refusal(for: address)
        #expect(refusal == nil, "\(text): \(refusal?.explanation ?? "")")
    }

    @Test("Explanations say what the range is")
    func explanations() throws {
        let cases = [
            ("10.0.0.5", "a private address (10.0.0.0/8)"),
            ("127.0.0.1", "a loopback address (127.0.0.0/8)"),
            ("169.254.169.254", "a link-local address, the range of the cloud metadata service (169.254.169.254) (169.254.0.0/16)"),
            ("100.64.0.1", "a carrier-grade NAT address (100.64.0.0/10)"),
            ("255.255.255.255", "the broadcast address (255.255.255.255/32)"),
            ("fe80::1", "a link-local address (fe80::/10)"),
            ("::ffff:10.0.0.5", "an IPv4-mapped IPv6 form (::ffff:0:0/96) of 10.0.0.5, a private address (10.0.0.0/8)"),
            ("64:ff9b::7f00:1", "a NAT64 IPv6 form (64:ff9b::/96) of 127.0.0.1, a loopback address (127.0.0.0/8)"),
            ("2002:a9fe:a9fe::1", "a 6to4 IPv6 form (2002::/16) of 169.254.169.254, a link-local address, the range of the cloud metadata service (169.254.169.254) (169.254.0.0/16)"),
            ("::127.0.0.1", "an IPv4-compatible IPv6 form (::/96) of 127.0.0.1, a loopback address (127.0.0.0/8)"),
        ]
        for (text, explanation) in cases {
            let address = try #require(WebhookIPAddress(text))
            #expect(WebhookAddressClassifier.refusal(for: address)?.explanation == explanation)
        }
    }
}

@Suite("WebhookIPAddress")
struct WebhookIPAddressTests {
    @Test("Parses with inet_pton and prints with inet_ntop")
    func parsesAndPrints() throws {
        let cases = [
            ("10.0.0.5", "10.0.0.5", 4), ("::1", "::1", 16), ("0:0:0:0:0:0:0:1", "::1", 16), ("::ffff:7f00:1", "::ffff:127.0.0.1", 16),
            ("FE80::1", "fe80::1", 16), ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1", 16), ("255.255.255.255", "255.255.255.255", 4),
        ]
        for (text, printed, count) in cases {
            let address = try #require(WebhookIPAddress(text), "\(text)")
            #expect(address.description == printed)
            #expect(address.bytes.count == count)
            #expect(WebhookIPAddress(printed) == address)
        }
        #expect(WebhookIPAddress("10.0.0.5")?.bytes == [10, 0, 0, 5])
    }

    @Test("Refuses what inet_pton refuses: short, octal, hex and decimal IPv4 forms, brackets, zones, names", arguments: [
        "", "10.5", "127.1", "0x7f.0.0.1", "0177.0.0.1", "2130706433", "1.2.3.4.5", "256.0.0.1", "[::1]", "fe80::1%eth0", "::1::", "localhost", " 10.0.0.5",
    ])
    func refusesOtherForms(text: String) {
        #expect(WebhookIPAddress(text) == nil)
    }

    @Test("Prefix matching is bitwise")
    func prefixes() throws {
        let address = try #require(WebhookIPAddress("172.31.255.255"))
        #expect(address.isIn(try #require(WebhookIPAddress("172.16.0.0")), length: 12))
        #expect(!address.isIn(try #require(WebhookIPAddress("172.16.0.0")), length: 13))
        #expect(address.isIn(try #require(WebhookIPAddress("0.0.0.0")), length: 0))
        #expect(!address.isIn(try #require(WebhookIPAddress("::")), length: 0), "families never match")
        #expect(address.isIn(address, length: 32))
    }
}
