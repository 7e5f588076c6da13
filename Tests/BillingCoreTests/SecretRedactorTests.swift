import BillingCore
import Foundation
import Logging
import Testing

/// A secret with the characters that escaping and encoding change: a quote, a
/// backslash, non-ASCII, `/`, `+`, `=`, `&`, `%` and a space.
let canarySecret = #"pa"ss\wörd/+=&%42 end"#

@Suite("SecretRedactor")
struct SecretRedactorTests {
    let redactor = SecretRedactor([canarySecret])

    struct LoginFailed: Error {
        let user: String
        let password: String
        let attempt: Int
    }

    enum ProviderError: Error {
        case rejected(reason: String)
    }

    struct HTTPFailure: Error {
        let status: Int
        let body: String
    }

    struct Credentials: Encodable {
        let user: String
        let password: String
    }

    // MARK: Swift printing

    @Test("A struct error shown with String(describing:) and String(reflecting:) hides the escaped secret")
    func structError() {
        let error = LoginFailed(user: "ann", password: canarySecret, attempt: 3)
        let described = String(describing: error)
        let reflected = String(reflecting: error)
        #expect(described.contains(#"pa\"ss\\wörd"#), "the secret is escaped in the description, so a literal search misses it")
        #expect(redactor.redact(described) == #"LoginFailed(user: "ann", password: "***", attempt: 3)"#)
        #expect(redactor.redact(reflected) == #"BillingCoreTests.SecretRedactorTests.LoginFailed(user: "ann", password: "***", attempt: 3)"#)
    }

    @Test("An enum error's associated value and a dump are hidden")
    func enumErrorAndDump() {
        let described = String(describing: ProviderError.rejected(reason: "bad password \(canarySecret)"))
        #expect(redactor.redact(described) == #"rejected(reason: "bad password ***")"#)
        var dumped = ""
        dump(LoginFailed(user: "ann", password: canarySecret, attempt: 1), to: &dumped)
        let redacted = redactor.redact(dumped)
        #expect(redacted.contains(#"- password: "***""#))
        #expect(!redacted.contains("wörd"))
    }

    @Test("Control characters and non-ASCII escaped the Swift way are hidden")
    func swiftEscapesOfControlCharacters() {
        let secret = "tab\there\nnew😀line\u{7}"
        let redactor = SecretRedactor([secret])
        let reflected = String(reflecting: HTTPFailure(status: 401, body: secret))
        #expect(redactor.redact(reflected).hasSuffix(#"(status: 401, body: "***")"#))
        let asciiEscaped = #"tab\there\nnew\u{0001F600}line\u{07}"#
        #expect(redactor.redact("scalar dump: \(asciiEscaped)") == "scalar dump: ***")
    }

    // MARK: JSON

    @Test("JSON written by CanonicalJSON and by JSONEncoder hides the secret")
    func json() throws {
        let canonical = CanonicalJSON.string(["password": .string(canarySecret), "user": "ann"])
        #expect(redactor.redact(canonical) == #"{"password":"***","user":"ann"}"#)

        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let encoded = String(decoding: try encoder.encode(Credentials(user: "ann", password: canarySecret)), as: UTF8.self)
        #expect(encoded.contains(#"\/"#), "JSONEncoder escapes the slash, unlike CanonicalJSON")
        #expect(redactor.redact(encoded) == #"{"password":"***","user":"ann"}"#)

        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let unescapedSlashes = String(decoding: try encoder.encode(Credentials(user: "ann", password: canarySecret)), as: UTF8.self)
        #expect(redactor.redact(unescapedSlashes) == #"{"password":"***","user":"ann"}"#)
    }

    @Test("JSON with non-ASCII as \\u escapes, in either case, is hidden")
    func jsonASCIIEscapes() {
        let lower = #"{"password": "pa\"ss\\w\u00f6rd/+=&%42 end"}"#
        let upper = #"{"password": "pa\"ss\\w\u00F6rd/+=&%42 end"}"#
        #expect(redactor.redact(lower) == #"{"password": "***"}"#)
        #expect(redactor.redact(upper) == #"{"password": "***"}"#)
    }

    @Test("A JSON body inside an error printed with String(describing:) is hidden")
    func jsonInsideSwiftDescription() {
        let body = CanonicalJSON.string(["password": .string(canarySecret)])
        let described = String(describing: HTTPFailure(status: 400, body: body))
        #expect(redactor.redact(described) == #"HTTPFailure(status: 400, body: "{\"password\":\"***\"}")"#)
    }

    // MARK: Percent-encoding

    @Test("Percent-encoded in a query, fully, with lower-case hex and as a form body")
    func percentEncoded() throws {
        let query = try #require(canarySecret.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed))
        #expect(redactor.redact("GET /login?user=ann&password=\(query) HTTP/1.1") == "GET /login?user=ann&password=*** HTTP/1.1")

        let full = try #require(canarySecret.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
        #expect(full == "pa%22ss%5Cw%C3%B6rd%2F%2B%3D%26%2542%20end")
        #expect(redactor.redact("password=\(full)") == "password=***")
        #expect(redactor.redact("password=pa%22ss%5cw%c3%b6rd%2f%2b%3d%26%2542%20end") == "password=***")
        #expect(redactor.redact("user=ann&password=pa%22ss%5Cw%C3%B6rd%2F%2B%3D%26%2542+end") == "user=ann&password=***")

        var components = URLComponents(string: "https://pay.example/login")!
        components.queryItems = [URLQueryItem(name: "password", value: canarySecret), URLQueryItem(name: "user", value: "ann")]
        let url = try #require(components.url?.absoluteString)
        #expect(redactor.redact(url) == "https://pay.example/login?password=***&user=ann")
    }

    // MARK: Base64

    @Test("Authorization: Basic base64(user:secret) is hidden for user names of every alignment", arguments: ["", "a", "an", "ann", "anna", "annie", "annika"])
    func basicAuthorization(user: String) {
        let credentials = Array("\(user):\(canarySecret)".utf8)
        let encoded = Data(credentials).base64EncodedString()
        let header = "Authorization: Basic \(encoded)"
        // The characters that carry at least one bit of "user:" may stay; the rest,
        // which encode the secret alone, must go.
        let userBits = 8 * (user.utf8.count + 1)
        let charactersTouchingUser = (userBits + 5) / 6
        #expect(redactor.redact(header) == "Authorization: Basic \(encoded.prefix(charactersTouchingUser))***")
    }

    @Test("The secret's own base64, standard and URL-safe, with and without padding, is hidden")
    func base64OfSecret() {
        let standard = Data(canarySecret.utf8).base64EncodedString()
        let unpadded = standard.replacingOccurrences(of: "=", with: "")
        let urlSafe = unpadded.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        #expect(standard.hasSuffix("="), "the canary's length leaves padding, so both forms are tested")
        #expect(redactor.redact("token=\(standard);") == "token=***;")
        #expect(redactor.redact("token=\(unpadded);") == "token=***;")
        #expect(redactor.redact("token=\(urlSafe);") == "token=***;")
    }

    @Test("A secret in the middle of base64 data is hidden at each byte offset", arguments: 0..<6)
    func base64Embedded(leadingBytes: Int) {
        let leading = Array("0123456789".utf8.prefix(leadingBytes))
        // A first byte with its high bits set: had it leading zero bits, the character
        // that straddles the end would equal the "secret ends here" form and go too.
        let trailing = Array("étrailer".utf8)
        let secret = Array(canarySecret.utf8)
        let encoded = Data(leading + secret + trailing).base64EncodedString()
        // Characters that carry bits of the neighbouring bytes stay, the others go.
        let firstHidden = (8 * leading.count + 5) / 6
        let firstAfter = 8 * (leading.count + secret.count) / 6
        let expected = "\(encoded.prefix(firstHidden))***\(encoded.dropFirst(firstAfter))"
        #expect(redactor.redact(encoded) == expected)
    }

    @Test("A short secret's base64 fragments are not searched for")
    func shortSecretBase64() {
        let redactor = SecretRedactor(["abc"])
        let innocent = Data("xxabcxx".utf8).base64EncodedString()
        #expect(redactor.redact(innocent) == innocent)
        #expect(redactor.redact("key abc") == "key ***")
    }

    // MARK: Everything else

    @Test("Text without a secret comes back unchanged, even when it shares pieces of it")
    func textWithoutSecrets() {
        let texts = [
            "",
            "Plugin 'acme' failed: connection refused",
            #"pa"ss\wörd/+=&%42 en"#,
            "ass\\w pa%22 cGEic3Nc d29y",
            Data("an unrelated credential".utf8).base64EncodedString(),
            String(repeating: "päss ", count: 2000),
        ]
        for text in texts {
            #expect(redactor.redact(text) == text)
        }
        #expect(SecretRedactor.none.redact(canarySecret) == canarySecret)
    }

    @Test("Two secrets where one contains the other are both redacted whole")
    func nestedSecrets() {
        let redactor = SecretRedactor(["hunter22", "xx-hunter22-yy"])
        #expect(redactor.redact("a xx-hunter22-yy b hunter22 c") == "a *** b *** c")
        #expect(redactor.redact(#"e("xx-hunter22-yy")"#) == #"e("***")"#)
    }

    @Test("Overlapping occurrences of two secrets become one ***")
    func overlappingSecrets() {
        let redactor = SecretRedactor(["abcdef12", "ef12ghij"])
        #expect(redactor.redact("<abcdef12ghij>") == "<***>")
    }

    @Test("Empty secrets are ignored, and the redactor never prints its secrets")
    func emptyAndPrinting() {
        let redactor = SecretRedactor(["", canarySecret])
        #expect(SecretRedactor([""]).isEmpty)
        #expect(redactor == SecretRedactor([canarySecret]))
        #expect(redactor.redact("x") == "x")
        var dumped = ""
        dump(redactor, to: &dumped)
        for shown in [String(describing: redactor), String(reflecting: redactor), "\(redactor)", dumped] {
            #expect(!shown.contains("wörd"), "shown: \(shown)")
        }
    }

    @Test("Metadata keys and values are redacted, into dictionaries, arrays and string-convertible values")
    func metadata() {
        let metadata: [String: Logger.MetadataValue] = [
            "password": .string(canarySecret),
            "nested": .dictionary(["deep": .array([.string("x \(canarySecret) y")])]),
            "error": .stringConvertible(BillingError(.pluginFailure, "kept", underlying: LoginFailed(user: "ann", password: canarySecret, attempt: 2))),
            canarySecret: "the key itself",
            "plain": "stays",
        ]
        let redacted = redactor.redact(metadata)
        #expect(redacted["password"] == "***")
        #expect(redacted["nested"] == .dictionary(["deep": ["x *** y"]]))
        #expect(redacted["***"] == "the key itself")
        #expect(redacted["plain"] == "stays")
        #expect(String(describing: redacted["error"]!).contains(#"password: "***""#))
        #expect(!String(describing: redacted).contains("wörd"))
    }
}
