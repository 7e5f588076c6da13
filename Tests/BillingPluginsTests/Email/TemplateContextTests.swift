import BillingCore
import Testing
@testable import BillingPlugins

/// How payload JSON renders through swift-mustache: money, dates, absent values, escaping.
@Suite("Email templates: rendering context and escaping")
struct TemplateContextTests {
    typealias F = EmailTemplateFixtures

    /// Renders one template text as subject, text part and HTML part at once.
    static func render(_ body: String, _ data: JSONValue, locale: String = "en") throws -> (subject: String, text: String, html: String) {
        let compiled = try CompiledEmailTemplate(contents: "subject: \(body)\n--- text ---\n\(body)\n--- html ---\n\(body)\n", origin: "test")
        return compiled.render(TemplateContext.root(data, locale: try #require(EmailLocale(locale))))
    }

    @Test("A Money object renders formatted and keeps its raw fields")
    func money() throws {
        let data = try F.data(for: "invoice.generated")
        let body = "{{invoice.total}}|{{invoice.total.minorUnits}}|{{invoice.total.currency}}|{{invoice.total.amount}}|{{invoice.total.number}}|{{invoice.total.currencyName}}"
        #expect(try Self.render(body, data).text == "€1,469.13|146913|EUR|1469.13|1,469.13|Euro\n")
        #expect(try Self.render(body, data, locale: "ru").text == F.nbsp("1~469,13~€|146913|EUR|1469.13|1~469,13|Euro\n"))
        // In a section the amount is the current value, with its flags.
        let flags = "{{#invoice.tax}}{{^isZero}}tax {{.}}{{/isZero}}{{/invoice.tax}}{{#invoice.total.isNegative}}credit{{/invoice.total.isNegative}}"
        #expect(try Self.render(flags, data).text == "tax €234.57\n")
        let zero: JSONValue = ["tax": ["currency": "JPY", "minorUnits": 0]]
        #expect(try Self.render(flags.replacingOccurrences(of: "invoice.", with: ""), zero).text == "")
        let negative: JSONValue = ["credit": ["currency": "USD", "minorUnits": -250]]
        #expect(try Self.render("{{credit}} {{#credit.isNegative}}owed to you{{/credit.isNegative}}", negative).text == "-$2.50 owed to you\n")
    }

    @Test("Only an exact Money shape is money; anything else stays an object")
    func notMoney() throws {
        let data: JSONValue = [
            "extra": ["currency": "EUR", "minorUnits": 100, "note": "x"],
            "unknown": ["currency": "XYZ", "minorUnits": 100],
            "text": ["currency": "EUR", "minorUnits": "100"],
        ]
        let body = "{{extra.minorUnits}} {{extra.note}}|{{unknown.currency}}|{{text.minorUnits}}"
        #expect(try Self.render(body, data).text == "100 x|XYZ|100\n")
    }

    @Test("Timestamps render as the locale's date, with iso and dateTime alongside; other strings stay as they are")
    func dates() throws {
        let data = try F.data(for: "invoice.generated")
        let body = "{{invoice.dueAt}}|{{invoice.dueAt.iso}}|{{event.occurredAt.dateTime}}|{{invoice.status}}"
        #expect(try Self.render(body, data).text == "1 December 2026|2026-12-01T00:00:00.000000Z|16 November 2026 at 09:30 UTC|open\n")
        #expect(try Self.render(body, data, locale: "ru").text == "1 декабря 2026 г.|2026-12-01T00:00:00.000000Z|16 ноября 2026 г., 09:30 UTC|open\n")
    }

    @Test("null, absent keys and empty strings are falsy; arrays iterate and drop nulls; first() guards a heading")
    func absentValues() throws {
        let data: JSONValue = ["a": .null, "b": "", "items": [1, .null, 3], "none": [], "yes": true, "no": false, "zero": 0]
        let body = "[{{a}}{{b}}{{missing.deep.path}}]{{^a}}A{{/a}}{{^b}}B{{/b}}{{^missing}}M{{/missing}}"
            + "{{#items}}<{{.}}>{{/items}}{{#first(items)}}H{{/first(items)}}{{#first(none)}}N{{/first(none)}}{{^none}}E{{/none}}"
            + "{{#yes}}Y{{/yes}}{{#no}}X{{/no}}{{#zero}}0{{/zero}}"
        #expect(try Self.render(body, data).text == "[]ABM<1><3>HEY0\n")
    }

    @Test("An object or array used as a value renders nothing, not Swift's description; array transforms work")
    func containersAsValues() throws {
        let data = try F.data(for: "invoice.generated")
        let body = "[{{invoice}}][{{invoice.lineItems}}][{{count(invoice.lineItems)}}]{{#last(invoice.lineItems)}}{{description}}{{/last(invoice.lineItems)}}"
        #expect(try Self.render(body, data).text == "[][][2]Extra seats\n")
    }

    @Test("HTML is escaped in the HTML part only; the subject and text keep the characters")
    func escaping() throws {
        let data: JSONValue = ["recipient": ["name": "<script>alert(1)</script> Tom & \"Jerry\" O'Neil"]]
        let parts = try Self.render("Hi {{recipient.name}}", data)
        #expect(parts.html == "Hi &lt;script&gt;alert(1)&lt;/script&gt; Tom &amp; &quot;Jerry&quot; O&#39;Neil\n")
        #expect(parts.text == "Hi <script>alert(1)</script> Tom & \"Jerry\" O'Neil\n")
        #expect(parts.subject == "Hi <script>alert(1)</script> Tom & \"Jerry\" O'Neil")
        // Triple braces opt out, in the HTML part too.
        #expect(try Self.render("{{{recipient.name}}}", data).html.hasPrefix("<script>"))
    }

    @Test("Built-in templates escape a hostile name in HTML and keep it in text")
    func builtInEscaping() throws {
        let data = try F.data(for: "invoice.generated", recipientName: "<script>alert(1)</script>")
        for locale in ["en", "ru"] {
            let email = try EmailTemplates().render("invoice.generated", locale: locale, data: data)
            #expect(!email.html.contains("<script>"))
            #expect(email.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(email.text.contains("<script>alert(1)</script>"))
        }
        let welcome = try EmailTemplates().render("user.created", locale: "en", data: try F.data(for: "user.created", recipientName: "<b>Eve</b>"))
        #expect(welcome.subject == "Welcome, <b>Eve</b>!")
    }

    @Test("A line break in data cannot split the subject")
    func subjectIsOneLine() throws {
        let data: JSONValue = ["recipient": ["name": "Anna\r\nBcc: victim@example.com\t x"]]
        let parts = try Self.render("Hi  {{recipient.name}}", data)
        #expect(parts.subject == "Hi Anna Bcc: victim@example.com x")
    }

    @Test("Standalone section lines leave no blank lines; the text keeps its own blank lines")
    func standaloneFirstLine() throws {
        let compiled = try CompiledEmailTemplate(
            contents: "subject: s\n--- text ---\n{{#name}}\nHi {{.}}\n{{/name}}\n\nBye\n--- html ---\n{{#name}}\n<p>{{.}}</p>\n{{/name}}\n",
            origin: "test"
        )
        let parts = compiled.render(TemplateContext.root(["name": "Bo"], locale: .english))
        #expect(parts.text == "Hi Bo\n\nBye\n")
        #expect(parts.html == "<p>Bo</p>\n")
    }

    @Test("Every built-in compiles")
    func builtInsCompile() throws {
        for source in BuiltInEmailTemplates.all {
            #expect(throws: Never.self, "\(source.template).\(source.locale)") {
                _ = try CompiledEmailTemplate(contents: source.contents, origin: "built-in")
            }
        }
    }
}
