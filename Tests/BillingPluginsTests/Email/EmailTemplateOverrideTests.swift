import BillingCore
import Foundation
import Testing
@testable import BillingPlugins

/// The host's override directory: new locales, changes picked up at the next render,
/// deletions falling back to the built-ins, and clear errors for broken files.
@Suite("Email templates: overrides")
struct EmailTemplateOverrideTests {
    typealias F = EmailTemplateFixtures

    static func file(subject: String, text: String = "Text {{invoice.total}}", html: String = "<p>{{recipient.name}}</p>") -> String {
        "subject: \(subject)\n--- text ---\n\(text)\n--- html ---\n\(html)\n"
    }

    func withDirectory(_ body: (String) throws -> Void) throws {
        let directory = try F.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try body(directory)
    }

    @Test("A changed file is used from the next render on; a deleted one falls back to the built-in")
    func pickupAfterChangeAndDelete() throws {
        try withDirectory { directory in
            let templates = try EmailTemplates(overrideDirectory: directory)
            let data = try F.data(for: "invoice.generated")
            #expect(try templates.render("invoice.generated", locale: "en", data: data).source == EmailTemplates.builtInSource)

            try F.write(Self.file(subject: "First {{invoice.number}}"), to: directory, name: "invoice.generated.en.mustache")
            let first = try templates.render("invoice.generated", locale: "en", data: data)
            #expect(first.subject == "First INV-2026-0042")
            #expect(first.source == (directory as NSString).appendingPathComponent("invoice.generated.en.mustache"))
            #expect(first.text == "Text €1,469.13\n" && first.html == "<p>Anna Petrova</p>\n")

            // Same length, written at once: a modification-time-and-size cache would miss it.
            try F.write(Self.file(subject: "Other {{invoice.number}}"), to: directory, name: "invoice.generated.en.mustache")
            #expect(try templates.render("invoice.generated", locale: "en", data: data).subject == "Other INV-2026-0042")

            try FileManager.default.removeItem(atPath: (directory as NSString).appendingPathComponent("invoice.generated.en.mustache"))
            let builtIn = try templates.render("invoice.generated", locale: "en", data: data)
            #expect(builtIn.source == EmailTemplates.builtInSource)
            #expect(builtIn.subject == "Invoice INV-2026-0042 for €1,469.13, due 1 December 2026")
        }
    }

    @Test("A new locale (de) from a file, with German money and dates; other locales keep their built-ins")
    func newLocale() throws {
        try withDirectory { directory in
            try F.write(
                Self.file(subject: "Rechnung {{invoice.number}} über {{invoice.total}}, fällig am {{invoice.dueAt}}"),
                to: directory, name: "invoice.generated.de-DE.mustache"
            )
            let templates = try EmailTemplates(overrideDirectory: directory)
            let data = try F.data(for: "invoice.generated")
            let german = try templates.render("invoice.generated", locale: "de_DE.UTF-8", data: data)
            #expect(german.locale == "de_DE")
            #expect(german.subject == F.nbsp("Rechnung INV-2026-0042 über 1.469,13~€, fällig am 1. Dezember 2026"))
            #expect(german.text == F.nbsp("Text 1.469,13~€\n"))
            // de_DE is more specific than de: a recipient in plain `de` does not get it.
            #expect(try templates.render("invoice.generated", locale: "de", data: data).locale == "en")
            #expect(try templates.render("invoice.generated", locale: "ru", data: data).source == EmailTemplates.builtInSource)
        }
    }

    @Test("An override of a built-in locale wins over the built-in, and a region override over the language")
    func overrideOrder() throws {
        try withDirectory { directory in
            try F.write(Self.file(subject: "ru override"), to: directory, name: "payment.failed.ru.mustache")
            try F.write(Self.file(subject: "ru_UA override"), to: directory, name: "payment.failed.ru_UA.mustache")
            // Files that are not overrides are ignored.
            try F.write("junk", to: directory, name: "payment.failed.ru.mustache.swp")
            try F.write("junk", to: directory, name: ".payment.failed.en.mustache")
            try F.write("junk", to: directory, name: "README.txt")
            let templates = try EmailTemplates(overrideDirectory: directory)
            let data = try F.data(for: "payment.failed")
            #expect(try templates.render("payment.failed", locale: "ru", data: data).subject == "ru override")
            #expect(try templates.render("payment.failed", locale: "ru-UA", data: data).subject == "ru_UA override")
            #expect(try templates.render("payment.failed", locale: "ru_RU", data: data).subject == "ru override")
            #expect(try templates.render("payment.failed", locale: "en", data: data).source == EmailTemplates.builtInSource)
        }
    }

    @Test("An override can add a template for an event type that has no built-in")
    func newEventType() throws {
        try withDirectory { directory in
            let templates = try EmailTemplates(overrideDirectory: directory)
            F.expectError(.emailTemplateMissing) { _ = try templates.render("subscription.renewed", locale: "en", data: [:]) }
            try F.write(Self.file(subject: "Renewed for {{tenantId}}"), to: directory, name: "subscription.renewed.en.mustache")
            #expect(try templates.render("subscription.renewed", locale: "ru", data: ["tenantId": "acme"]).subject == "Renewed for acme")
        }
    }

    @Test("A Mustache syntax error is email.template_invalid with the file, line, column and the parser's message")
    func syntaxError() throws {
        try withDirectory { directory in
            let path = (directory as NSString).appendingPathComponent("invoice.paid.ru.mustache")
            let templates = try EmailTemplates(overrideDirectory: directory)
            let data = try F.data(for: "invoice.paid")

            try F.write("subject: ok\n--- text ---\nline one\n{{#invoice}}{{number}}{{/total}}\n--- html ---\n<p></p>\n", to: directory, name: "invoice.paid.ru.mustache")
            let text = F.expectError(.emailTemplateInvalid) { _ = try templates.render("invoice.paid", locale: "ru", data: data) }
            #expect(text?.message.contains(path) == true)
            #expect(text?.message.contains("line 4, column") == true, "\(String(describing: text))")
            #expect(text?.message.contains("closed with another name") == true)

            try F.write("subject: ok\n--- text ---\nfine\n--- html ---\n<p>\n{{#invoice}}\n</p>\n", to: directory, name: "invoice.paid.ru.mustache")
            let html = F.expectError(.emailTemplateInvalid) { _ = try templates.render("invoice.paid", locale: "ru", data: data) }
            #expect(html?.message.contains("never closed") == true, "\(String(describing: html))")

            try F.write("subject: {{unclosed\n--- text ---\nfine\n--- html ---\n<p></p>\n", to: directory, name: "invoice.paid.ru.mustache")
            let subject = F.expectError(.emailTemplateInvalid) { _ = try templates.render("invoice.paid", locale: "ru", data: data) }
            #expect(subject?.message.contains("line 1, column") == true, "\(String(describing: subject))")

            // Fixing the file fixes the next render, without a restart.
            try F.write(Self.file(subject: "fixed"), to: directory, name: "invoice.paid.ru.mustache")
            #expect(try templates.render("invoice.paid", locale: "ru", data: data).subject == "fixed")
        }
    }

    @Test("Files not in the template format are email.template_invalid, saying what is wrong", arguments: [
        ("no subject line\n--- text ---\nx\n--- html ---\ny\n", "line 1: the first line must be 'subject:"),
        ("subject:   \n--- text ---\nx\n--- html ---\ny\n", "line 1: the subject is empty"),
        ("subject: s\ntext\n--- html ---\ny\n", "line 2: expected the line '--- text ---'"),
        ("subject: s\n--- text ---\nx\n", "no line '--- html ---'"),
        ("subject: s\n--- text ---\nx\n--- html ---\ny\n--- html ---\nz\n", "line 6: a second marker line"),
        ("", "the first line must be 'subject:"),
    ])
    func formatErrors(contents: String, expected: String) throws {
        try withDirectory { directory in
            try F.write(contents, to: directory, name: "user.created.en.mustache")
            let templates = try EmailTemplates(overrideDirectory: directory)
            let error = F.expectError(.emailTemplateInvalid) { _ = try templates.render("user.created", locale: "en", data: [:]) }
            #expect(error?.message.contains(expected) == true, "\(String(describing: error))")
            #expect(error?.message.contains("user.created.en.mustache") == true)
        }
    }

    @Test("CRLF line ends and a BOM are accepted; blank lines around parts are dropped")
    func crlfAndBOM() throws {
        try withDirectory { directory in
            try F.write("\u{FEFF}\r\nSUBJECT: Hi {{recipient.name}}\r\n--- text ---  \r\n\r\nLine 1\r\nLine 2\r\n\r\n--- html ---\r\n<p>x</p>\r\n", to: directory, name: "user.created.en.mustache")
            let email = try EmailTemplates(overrideDirectory: directory).render("user.created", locale: "en", data: ["recipient": ["name": "Bob"]])
            #expect(email.subject == "Hi Bob")
            #expect(email.text == "Line 1\nLine 2\n")
            #expect(email.html == "<p>x</p>\n")
        }
    }

    @Test("Two files for one locale are refused instead of picking one silently")
    func duplicateLocale() throws {
        try withDirectory { directory in
            try F.write(Self.file(subject: "a"), to: directory, name: "user.created.ru-RU.mustache")
            try F.write(Self.file(subject: "b"), to: directory, name: "user.created.ru_RU.mustache")
            let templates = try EmailTemplates(overrideDirectory: directory)
            let error = F.expectError(.emailTemplateInvalid) { _ = try templates.render("user.created", locale: "ru", data: [:]) }
            #expect(error?.message.contains("user.created.ru-RU.mustache") == true && error?.message.contains("user.created.ru_RU.mustache") == true)
        }
    }

    @Test("A missing override directory is email.template_unreadable, at start and when it goes away")
    func missingDirectory() throws {
        F.expectError(.emailTemplateUnreadable) { _ = try EmailTemplates(overrideDirectory: "/nonexistent/bilingus-templates") }
        let directory = try F.temporaryDirectory()
        let templates = try EmailTemplates(overrideDirectory: directory)
        try FileManager.default.removeItem(atPath: directory)
        let error = F.expectError(.emailTemplateUnreadable) { _ = try templates.render("user.created", locale: "en", data: [:]) }
        #expect(error?.message.contains(directory) == true)
    }

    @Test("Non-UTF-8 file is email.template_invalid")
    func notUTF8() throws {
        try withDirectory { directory in
            try Data([0x73, 0x75, 0x62, 0xFF, 0xFE, 0x0A]).write(to: URL(fileURLWithPath: directory).appendingPathComponent("user.created.en.mustache"))
            let templates = try EmailTemplates(overrideDirectory: directory)
            let error = F.expectError(.emailTemplateInvalid) { _ = try templates.render("user.created", locale: "en", data: [:]) }
            #expect(error?.message.contains("not UTF-8") == true)
        }
    }

    @Test("Concurrent renders while the file changes see one version or the other, never a mix")
    func concurrentRenders() async throws {
        let directory = try F.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try F.write(Self.file(subject: "v1", text: "v1"), to: directory, name: "user.created.en.mustache")
        let templates = try EmailTemplates(overrideDirectory: directory)
        let results = try await withThrowingTaskGroup(of: RenderedEmail.self) { group in
            for index in 0..<40 {
                group.addTask { try templates.render("user.created", locale: index % 2 == 0 ? "en" : "en-GB", data: [:]) }
            }
            try F.write(Self.file(subject: "v2", text: "v2"), to: directory, name: "user.created.en.mustache")
            var results: [RenderedEmail] = []
            for try await result in group { results.append(result) }
            return results
        }
        #expect(results.count == 40)
        #expect(results.allSatisfy { ($0.subject == "v1" && $0.text == "v1\n") || ($0.subject == "v2" && $0.text == "v2\n") })
        let after = try templates.render("user.created", locale: "en", data: [:])
        #expect(after.subject == "v2")
    }
}
