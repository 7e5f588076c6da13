import BillingCore
@testable import BillingPlugins
import Synchronization
import Testing

/// A resolver with fixed answers that records what it was asked, for the rules DNS cannot be
/// relied on to exercise (a name with a public and a private address, IPv6 answers).
final class ScriptedResolver: Sendable {
    private let answers: [String: [String]]
    private let asked = Mutex<[String]>([])

    init(_ answers: [String: [String]]) {
        self.answers = answers
    }

    var questions: [String] { asked.withLock { $0 } }

    var resolver: WebhookHostResolver {
        WebhookHostResolver { host in
            self.asked.withLock { $0.append(host) }
            guard let texts = self.answers[host] else {
                throw BillingError(.webhookURLUnresolvable, "no scripted answer for \(host)", field: "url")
            }
            return texts.compactMap(WebhookIPAddress.init)
        }
    }
}

@Suite("WebhookURLGuard")
struct WebhookURLGuardTests {
    static func refusal(_ url: String, guard urlGuard: WebhookURLGuard = WebhookURLGuard()) async -> BillingError? {
        let error = await #expect(throws: BillingError.self) { try await urlGuard.check(url) }
        #expect(error?.field == "url", "\(url)")
        return error
    }

    static func refusedMessage(_ url: String, guard urlGuard: WebhookURLGuard = WebhookURLGuard()) async -> String? {
        let error = await refusal(url, guard: urlGuard)
        #expect(error?.code == .webhookURLRefused, "\(url): \(error.map(String.init(describing:)) ?? "")")
        return error?.message
    }

    @Test("An https URL to a public IP literal passes, in parts, without resolving")
    func publicLiteral() async throws {
        let scripted = ScriptedResolver([:])
        let urlGuard = WebhookURLGuard(resolver: scripted.resolver)
        let target = try await urlGuard.check("https://93.184.216.34/hooks/bilingus?tenant=t1#ignored")
        #expect(target.scheme == "https" && target.usesTLS)
        #expect(target.host == "93.184.216.34")
        #expect(target.port == 443)
        #expect(target.requestTarget == "/hooks/bilingus?tenant=t1")
        #expect(target.addresses == [WebhookIPAddress("93.184.216.34")!])
        #expect(!target.isAllowListed)
        let v6 = try await urlGuard.check("HTTPS://[2001:4860:4860::8888]:8443")
        #expect(v6.scheme == "https" && v6.host == "2001:4860:4860::8888" && v6.port == 8443 && v6.requestTarget == "/")
        #expect(v6.addresses == [WebhookIPAddress("2001:4860:4860::8888")!])
        #expect(scripted.questions.isEmpty)
    }

    @Test("Every refused range, as an IP literal in the URL, is refused with the address and its range")
    func refusedLiterals() async throws {
        for row in WebhookAddressClassifierTests.refused {
            let host = row.address.contains(":") ? "[\(row.address)]" : row.address
            let message = await Self.refusedMessage("https://\(host):8443/hook")
            let address = try #require(WebhookIPAddress(row.address))
            let explanation = try #require(WebhookAddressClassifier.refusal(for: address)?.explanation)
            #expect(message == "The webhook URL's host \(address) is \(explanation)")
            #expect(message?.contains(row.range) == true)
        }
        for text in WebhookAddressClassifierTests.allowed {
            let host = text.contains(":") ? "[\(text)]" : text
            _ = try await WebhookURLGuard().check("https://\(host)/")
        }
        #expect(await Self.refusedMessage("https://10.0.0.5/") == "The webhook URL's host 10.0.0.5 is a private address (10.0.0.0/8)")
        #expect(
            await Self.refusedMessage("https://[::ffff:10.0.0.5]/")
                == "The webhook URL's host ::ffff:10.0.0.5 is an IPv4-mapped IPv6 form (::ffff:0:0/96) of 10.0.0.5, a private address (10.0.0.0/8)")
        #expect(await Self.refusedMessage("https://169.254.169.254/latest/meta-data/")?.contains("cloud metadata") == true)
    }

    @Test("A name resolving to a refused address is refused, naming the address; one refused address among public ones is enough")
    func refusedResolutions() async throws {
        let scripted = ScriptedResolver([
            "hooks.example.com": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
            "mixed.example.com": ["93.184.216.34", "10.0.0.5"],
            "mapped.example.com": ["2606:2800:220:1:248:1893:25c8:1946", "::ffff:169.254.169.254"],
            "metadata.example.com": ["169.254.169.254"],
            "empty.example.com": [],
        ])
        let urlGuard = WebhookURLGuard(resolver: scripted.resolver)
        let target = try await urlGuard.check("https://hooks.example.com/in")
        #expect(target.addresses.map(\.description) == ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"])
        #expect(target.host == "hooks.example.com")
        #expect(
            await Self.refusedMessage("https://mixed.example.com/", guard: urlGuard)
                == "The webhook URL's host mixed.example.com resolves to 10.0.0.5, a private address (10.0.0.0/8)")
        #expect(
            await Self.refusedMessage("https://mapped.example.com/", guard: urlGuard)
                == "The webhook URL's host mapped.example.com resolves to ::ffff:169.254.169.254, an IPv4-mapped IPv6 form (::ffff:0:0/96) of 169.254.169.254, a link-local address, the range of the cloud metadata service (169.254.169.254) (169.254.0.0/16)")
        #expect(await Self.refusedMessage("https://metadata.example.com/", guard: urlGuard)?.contains("resolves to 169.254.169.254") == true)
        let empty = await Self.refusal("https://empty.example.com/", guard: urlGuard)
        #expect(empty?.code == .webhookURLUnresolvable)
    }

    @Test("localhost resolves (through the system resolver) to loopback only, so it is refused unless allow-listed")
    func localhost() async throws {
        let addresses = try await WebhookHostResolver.system.resolve("localhost")
        #expect(!addresses.isEmpty)
        #expect(addresses.allSatisfy { WebhookAddressClassifier.refusal(for: $0)?.kind == .loopback })
        let message = await Self.refusedMessage("https://localhost/hook")
        #expect(message?.hasPrefix("The webhook URL's host localhost resolves to ") == true)
        #expect(message?.contains("a loopback address") == true)
        let allowed = try await WebhookURLGuard(policy: WebhookAddressPolicy(allowedHosts: ["localhost"])).check("http://localhost:8080/hook")
        #expect(allowed.isAllowListed && allowed.scheme == "http" && allowed.port == 8080 && !allowed.usesTLS)
        #expect(Set(allowed.addresses) == Set(addresses))
    }

    @Test("IPv4 in the forms getaddrinfo accepts but inet_pton does not is resolved to the address, and refused")
    func obfuscatedIPv4() async throws {
        // glibc's getaddrinfo reads these as inet_aton does: all are 127.0.0.1 or 10.0.0.5.
        for (url, address) in [
            ("https://2130706433/", "127.0.0.1"), ("https://0x7f.1/", "127.0.0.1"), ("https://127.1/", "127.0.0.1"),
            ("https://0177.0.0.1/", "127.0.0.1"), ("https://012.0.0.5/", "10.0.0.5"), ("https://167772165/", "10.0.0.5"),
        ] {
            let message = await Self.refusedMessage(url)
            #expect(message?.contains("resolves to \(address), a") == true, "\(url): \(message ?? "")")
        }
    }

    @Test("The allow-list lets 127.0.0.1 and localhost through over http; other hosts need https")
    func allowList() async throws {
        let scripted = ScriptedResolver(["two.test": ["127.0.0.1", "::1"], "one.test": ["127.0.0.1"], "localhost.": ["127.0.0.1"]])
        let policy = WebhookAddressPolicy(allowedHosts: ["127.0.0.1", "LocalHost", "[::1]"])
        let urlGuard = WebhookURLGuard(policy: policy, resolver: scripted.resolver)
        let target = try await urlGuard.check("http://127.0.0.1:8080/hook")
        #expect(target.isAllowListed && target.addresses == [WebhookIPAddress("127.0.0.1")!] && target.port == 8080)
        _ = try await urlGuard.check("http://localhost.:9/")  // any case, trailing dot
        _ = try await urlGuard.check("http://[0:0::1]:9/")  // IP entries match as addresses
        _ = try await urlGuard.check("https://127.0.0.1/")
        // The same addresses under a name that is not allow-listed: http is refused before any lookup.
        #expect(await Self.refusedMessage("http://one.test:8080/", guard: urlGuard)?.contains("must use https") == true)
        #expect(scripted.questions == ["localhost."])
        // Over https, each address must be public or allow-listed itself.
        _ = try await urlGuard.check("https://one.test/")
        let strictV6 = WebhookURLGuard(policy: WebhookAddressPolicy(allowedHosts: ["127.0.0.1"]), resolver: scripted.resolver)
        #expect(await Self.refusedMessage("https://two.test/", guard: strictV6) == "The webhook URL's host two.test resolves to ::1, a loopback address (::1/128)")
        // Nothing allow-listed: 127.0.0.1 is refused even over https.
        #expect(await Self.refusedMessage("https://127.0.0.1/") == "The webhook URL's host 127.0.0.1 is a loopback address (127.0.0.0/8)")
        #expect(await Self.refusedMessage("http://127.0.0.1:8080/")?.contains("must use https") == true)
        // An allow-list entry allows only itself.
        #expect(await Self.refusedMessage("http://127.0.0.2/", guard: urlGuard)?.contains("must use https") == true)
        #expect(await Self.refusedMessage("https://127.0.0.2/", guard: urlGuard)?.contains("127.0.0.2 is a loopback address") == true)
    }

    @Test("Plain http to a host that is not allow-listed is refused, and nothing is resolved")
    func httpRefused() async {
        let scripted = ScriptedResolver(["example.com": ["93.184.216.34"]])
        let message = await Self.refusedMessage("http://example.com/hook", guard: WebhookURLGuard(resolver: scripted.resolver))
        #expect(message == "A webhook URL must use https; plain http is allowed only to allow-listed hosts, and example.com is not one")
        #expect(await Self.refusedMessage("http://93.184.216.34/")?.contains("must use https") == true)
        #expect(scripted.questions.isEmpty)
    }

    @Test("User info is refused, and never shown", arguments: ["https://user:hunter2@example.com/", "https://hunter2@example.com/", "https://:hunter2@example.com/", "https://@example.com/", "https://example.com\\@evil.test/"])
    func userInfo(url: String) async {
        let message = await Self.refusedMessage(url)
        #expect(message == "A webhook URL must not contain a user name or password")
    }

    @Test("Only http and https", arguments: ["ftp://example.com/", "file:///etc/passwd", "gopher://example.com:70/", "ws://example.com/", "javascript:alert(1)", "example.com/hook", "//example.com/hook", "", "https://exa mple.com/"])
    func schemes(url: String) async {
        let message = await Self.refusedMessage(url)
        #expect(message?.hasPrefix("A webhook URL must be") == true, "\(url): \(message ?? "")")
    }

    @Test("A host is required, and must be a DNS name, an IPv4 literal or a bracketed IPv6 literal without a zone", arguments: [
        "https:///hook", "https:example.com", "https://exa%00mple.com/", "https://ex%41mple.com/", "https://[fe80::1%25eth0]/", "https://[10.0.0.1]/",
        "https://[zz::1]/", "https://exa*mple.com/", "https://" + String(repeating: "a", count: 254) + "/",
    ])
    func hosts(url: String) async {
        let message = await Self.refusedMessage(url)
        #expect(message?.hasPrefix("A webhook URL") == true, "\(url): \(message ?? "")")
        #expect(message?.contains("host") == true, "\(url): \(message ?? "")")
    }

    @Test("The port must be 1 to 65535; the scheme's by default")
    func ports() async throws {
        let urlGuard = WebhookURLGuard(policy: WebhookAddressPolicy(allowedHosts: ["example.com"]))
        #expect(try urlGuard.parse("https://example.com:65535/").port == 65_535)
        #expect(try urlGuard.parse("https://example.com:1/").port == 1)
        #expect(try urlGuard.parse("https://example.com/").port == 443)
        #expect(try urlGuard.parse("http://example.com/").port == 80)
        #expect(try urlGuard.parse("https://example.com:/").port == 443)
        for url in ["https://example.com:0/", "https://example.com:65536/", "https://example.com:99999/"] {
            let error = #expect(throws: BillingError.self) { try urlGuard.parse(url) }
            #expect(error?.code == .webhookURLRefused)
            #expect(error?.message.contains("port must be 1 to 65535") == true)
        }
    }

    @Test("An internationalized host is resolved in its IDNA (punycode) form")
    func internationalHost() async throws {
        let scripted = ScriptedResolver(["xn--e1afmkfd.xn--p1ai": ["93.184.216.34"]])
        let target = try await WebhookURLGuard(resolver: scripted.resolver).check("https://пример.рф/вебхук")
        #expect(target.host == "xn--e1afmkfd.xn--p1ai")
        #expect(target.requestTarget == "/%D0%B2%D0%B5%D0%B1%D1%85%D1%83%D0%BA")
        #expect(scripted.questions == ["xn--e1afmkfd.xn--p1ai"])
    }

    @Test("A name that does not resolve is webhook.url_unresolvable")
    func unresolvable() async {
        // .invalid never resolves (RFC 6761); a resolver that answers NXDOMAIN with an address would break this.
        let error = await Self.refusal("https://no-such-host.invalid/hook")
        #expect(error?.code == .webhookURLUnresolvable)
        #expect(error?.message.hasPrefix("The webhook URL's host no-such-host.invalid does not resolve") == true)
    }
}
