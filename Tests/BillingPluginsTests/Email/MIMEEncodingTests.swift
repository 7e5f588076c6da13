import BillingCore
import Foundation
import Testing
@testable import BillingPlugins

@Suite("MIME encodings and header safety")
struct MIMEEncodingTests {
    static func message(subject: String = "Hi", name: String? = nil) throws -> EmailMessage {
        EmailMessage(from: try EmailAddress("a@example.com", name: name), to: [try EmailAddress("b@example.com")],
                     subject: subject, text: "t", html: nil)
    }

    static func render(_ message: EmailMessage) throws -> [UInt8] {
        try message.rendered(date: Date(timeIntervalSince1970: 0), messageID: "m@example.com", boundary: "=_b")
    }

    static func expectInvalid(field: String, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("expected an invalidArgument error for \(field)")
        } catch let error as BillingError {
            #expect(error.code == .invalidArgument)
            #expect(error.field == field)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func headerInjectionIsRefused() throws {
        Self.expectInvalid(field: "subject") { _ = try Self.render(try Self.message(subject: "Hi\r\nBcc: x@y")) }
        Self.expectInvalid(field: "subject") { _ = try Self.render(try Self.message(subject: "Hi\u{0}")) }
        Self.expectInvalid(field: "name") { _ = try EmailAddress("a@example.com", name: "Ada\nBcc: x@y") }
        Self.expectInvalid(field: "address") { _ = try EmailAddress("a@example.com\rBcc: x@y") }
        var message = try Self.message()
        message.from.name = "Ada\r\nBcc: x@y"
        Self.expectInvalid(field: "name") { _ = try Self.render(message) }
        message = try Self.message()
        message.to[0].address = "b@example.com>\r\nBcc: x@y"
        Self.expectInvalid(field: "address") { _ = try Self.render(message) }
        Self.expectInvalid(field: "messageID") { _ = try Self.message().rendered(date: Date(), messageID: "a@b>\r\nX: y", boundary: "b") }
        Self.expectInvalid(field: "boundary") { _ = try Self.message().rendered(date: Date(), messageID: "a@b", boundary: "b\"\r\nX: y") }
        message = try Self.message()
        message.to = []
        Self.expectInvalid(field: "to") { _ = try Self.render(message) }
    }

    @Test(arguments: ["a@b.c", "first.last+tag@example.co.uk", "x!#$%&'*+-/=?^_`{|}~@d"])
    func validAddresses(_ address: String) throws {
        #expect(try EmailAddress(address).address == address)
    }

    @Test(arguments: ["", "plain", "a@@b", "a@b@c", "@b", "a@", ".a@b", "a.@b", "a..b@c", "a b@c", "<a@b>",
                      "\"q\"@b", "ад@b", "a@b..c", String(repeating: "a", count: 250) + "@b.cd", String(repeating: "a", count: 65) + "@b"])
    func invalidAddresses(_ address: String) {
        Self.expectInvalid(field: "address") { _ = try EmailAddress(address) }
    }

    @Test func addressErrorEchoesNoMoreThanTheAddress() {
        do {
            _ = try EmailAddress("bad address", name: "secret name")
            Issue.record("expected an error")
        } catch let error as BillingError {
            #expect(error.message.contains("'bad address'"))
            #expect(!error.message.contains("secret"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func headerForms() throws {
        #expect(try EmailAddress("a@b").headerWords() == ["<a@b>"])
        #expect(try EmailAddress("a@b", name: "Ada Lovelace").headerWords() == ["Ada Lovelace", "<a@b>"])
        #expect(try EmailAddress("a@b", name: "Lovelace, Ada \"A\"").headerWords() == ["\"Lovelace, Ada \\\"A\\\"\"", "<a@b>"])
        #expect(try EmailAddress("a@b", name: "Ада").headerWords() == ["=?UTF-8?B?0JDQtNCw?=", "<a@b>"])
    }

    @Test func dateIsRFC5322InEnglishUTC() {
        #expect(RFC5322Date.format(Date(timeIntervalSince1970: 1_796_160_676)) == "Tue, 01 Dec 2026 21:31:16 +0000")
        #expect(RFC5322Date.format(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 +0000")
    }

    @Test func encodedWordsStayShortAndSplitOnlyBetweenCharacters() throws {
        let text = String(repeating: "Съешь же ещё этих мягких французских булок 👩‍👩‍👧‍👦🇷🇺", count: 6)
        let words = EncodedWord.encode(text)
        #expect(words.count > 5)
        var decoded = ""
        for word in words {
            #expect(word.utf8.count <= 75)
            #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
            let payload = try #require(Data(base64Encoded: String(word.dropFirst(10).dropLast(2))))
            let piece = try #require(String(validating: payload, as: UTF8.self))
            decoded += piece
        }
        #expect(decoded == text)
    }

    @Test func plainASCIISubjectIsNotEncoded() {
        #expect(EncodedWord.headerWords("Invoice 2026-1001 paid") == ["Invoice", "2026-1001", "paid"])
        #expect(EncodedWord.headerWords("looks =?like?= a word").first?.hasPrefix("=?UTF-8?B?") == true)
    }

    @Test func quotedPrintableEscapesAndSoftBreaks() {
        #expect(QuotedPrintable.encode("a=b \r\nc\t") == "a=3Db=20\r\nc=09")
        #expect(QuotedPrintable.encode("é") == "=C3=A9")
        let long = QuotedPrintable.encode(String(repeating: "é", count: 40))
        let lines = long.components(separatedBy: "\r\n")
        #expect(lines.count == 4) // 240 characters of =XX, at most 25 tokens a line
        #expect(lines.allSatisfy { $0.utf8.count <= 76 })
        #expect(lines.dropLast().allSatisfy { $0.hasSuffix("=") })
        #expect(lines.joined().replacingOccurrences(of: "=", with: "") == String(repeating: "C3A9", count: 40))
    }

    @Test func encodingRuleAndLineEnds() {
        #expect(TransferEncoding.choose(for: "Hello, your invoice is paid.") == .quotedPrintable)
        #expect(TransferEncoding.choose(for: "Ваш счёт оплачен.") == .base64)
        #expect(TransferEncoding.normalizeLineEnds("a\nb\r\nc\rd") == "a\r\nb\r\nc\r\nd")
    }

    @Test func identifiersComeFromTheInjectedGenerator() throws {
        var first = SplitMix(seed: 7), second = SplitMix(seed: 7)
        let id = EmailMessage.messageID(domain: "example.com", using: &first)
        #expect(id == EmailMessage.messageID(domain: "example.com", using: &second))
        #expect(id.hasSuffix("@example.com") && id.count == 32 + 12)
        try EmailMessage.validateMessageID(id)
        let boundary = EmailMessage.boundary(using: &first)
        #expect(boundary.hasPrefix("=_"))
        try EmailMessage.validateBoundary(boundary)
    }
}

/// A seeded generator, so identifiers are reproducible in tests.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
