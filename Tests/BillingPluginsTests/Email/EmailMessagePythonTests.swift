import Foundation
import Testing
@testable import BillingPlugins

/// Rendered messages, read back by Python's `email` package.
@Suite("EmailMessage, checked by Python's email package")
struct EmailMessagePythonTests {
    static let date = Date(timeIntervalSince1970: 1_796_160_676) // Tue, 01 Dec 2026 21:31:16 +0000

    /// Python's decoded text with LF line ends; quoted-printable decoding may add one
    /// final line end, which the comparison allows and nothing else.
    static func sameText(_ decoded: String, _ original: String) -> Bool {
        let decoded = decoded.replacingOccurrences(of: "\r\n", with: "\n")
        let original = original.replacingOccurrences(of: "\r\n", with: "\n")
        return decoded == original || decoded == original + "\n"
    }

    static func lines(_ bytes: [UInt8]) -> [String] {
        String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n")
    }

    /// Header lines within 78 characters, every line after the headers within 76.
    static func expectLineLimits(_ bytes: [UInt8]) {
        let lines = lines(bytes)
        let bodyStart = lines.firstIndex(of: "") ?? lines.count
        for line in lines[..<bodyStart] { #expect(line.utf8.count <= 78, "\(line)") }
        for line in lines[bodyStart...] { #expect(line.utf8.count <= 76, "\(line)") }
        #expect(!String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "").contains("\n"))
    }

    @Test func russianSubjectNameAndBodiesRoundTrip() throws {
        let english = "Hello Ada,\nyour invoice 2026-1001 is paid. Thank you!\n" + String(repeating: "A long line of plain text. ", count: 8)
        let russian = "<p>Здравствуйте, Ада!</p>\n<p>Счёт № 2026-1001 оплачен. Спасибо! 🎉</p>"
        let message = EmailMessage(
            from: try EmailAddress("billing@example.com", name: "Ада Лавлейс"),
            to: [try EmailAddress("ada@example.org", name: "Ada \"Countess\" Lovelace"), try EmailAddress("bob@example.net")],
            replyTo: try EmailAddress("support@example.com", name: "Support"),
            subject: "Счёт № 2026-1001 оплачен", text: english, html: russian)
        let bytes = try message.rendered(date: Self.date, messageID: "abc123@example.com", boundary: "=_bilingus_0123")
        let parsed = try PythonEmailParser.parse(bytes)
        #expect(parsed.defects == 0)
        #expect(parsed.subject == "Счёт № 2026-1001 оплачен")
        #expect(parsed.from == [.init(name: "Ада Лавлейс", address: "billing@example.com")])
        #expect(parsed.to == [.init(name: "Ada \"Countess\" Lovelace", address: "ada@example.org"), .init(name: "", address: "bob@example.net")])
        #expect(parsed.replyTo == [.init(name: "Support", address: "support@example.com")])
        #expect(parsed.date == "Tue, 01 Dec 2026 21:31:16 +0000")
        #expect(parsed.messageID == "<abc123@example.com>")
        #expect(parsed.type == "multipart/alternative")
        try #require(parsed.parts.count == 2)
        #expect(parsed.parts[0].type == "text/plain")
        #expect(parsed.parts[0].charset == "utf-8")
        #expect(parsed.parts[0].cte == "quoted-printable")
        #expect(Self.sameText(parsed.parts[0].text, english))
        #expect(parsed.parts[1].type == "text/html")
        #expect(parsed.parts[1].cte == "base64")
        #expect(Self.sameText(parsed.parts[1].text, russian))
        Self.expectLineLimits(bytes)
    }

    @Test func longEmojiSubjectFoldsAndRoundTrips() throws {
        let subject = String(repeating: "Оплата 💳 получена, спасибо! 👩‍👩‍👧‍👦 ", count: 10).trimmingCharacters(in: .whitespaces)
        #expect(subject.count >= 290)
        let message = EmailMessage(from: try EmailAddress("a@example.com"), to: [try EmailAddress("b@example.com")],
                                   subject: subject, text: "Привет, мир! Это письмо по-русски.", html: nil)
        let bytes = try message.rendered(date: Self.date, messageID: "x@y", boundary: "b")
        let parsed = try PythonEmailParser.parse(bytes)
        #expect(parsed.subject == subject)
        #expect(parsed.type == "text/plain")
        try #require(parsed.parts.count == 1)
        #expect(parsed.parts[0].cte == "base64")
        #expect(Self.sameText(parsed.parts[0].text, "Привет, мир! Это письмо по-русски."))
        Self.expectLineLimits(bytes)
    }

    @Test func longASCIISubjectFoldsAtSpacesAndRoundTrips() throws {
        let subject = (1...60).map { "word\($0)" }.joined(separator: " ")
        #expect(subject.count >= 300)
        let text = String(repeating: "x", count: 200) + " = tail  \n" + String(repeating: "é", count: 3)
        let message = EmailMessage(from: try EmailAddress("a@example.com"), to: [try EmailAddress("b@example.com")],
                                   subject: subject, text: text, html: "<b>hi</b>")
        let bytes = try message.rendered(date: Self.date, messageID: "x@y", boundary: "=_b")
        let parsed = try PythonEmailParser.parse(bytes)
        #expect(parsed.subject == subject)
        #expect(parsed.parts.map(\.cte) == ["quoted-printable", "quoted-printable"])
        #expect(Self.sameText(parsed.parts.first?.text ?? "", text))
        let lines = Self.lines(bytes)
        #expect(lines.filter { $0.hasPrefix(" ") }.count >= 4)
        let bodyStart = try #require(lines.firstIndex(of: "Content-Transfer-Encoding: quoted-printable"))
        for line in lines[bodyStart...] { #expect(line.utf8.count <= 76) }
        for line in lines { #expect(line.utf8.count <= 78) }
    }
}
