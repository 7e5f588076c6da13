import BillingCore

/// One email template file: a subject line, a plain-text part and an HTML part, each a
/// Mustache template.
///
/// The format (UTF-8; CRLF or LF line ends; a leading BOM is ignored):
///
/// ```
/// subject: Invoice {{invoice.number}}: {{invoice.total}}
/// --- text ---
/// Hello {{recipient.name}},
/// …
/// --- html ---
/// <p>Hello {{recipient.name}},</p>
/// …
/// ```
///
/// - The first line that is not blank is `subject:` (any case) and the subject template,
///   on that one line. Line breaks that data puts in it become spaces.
/// - A line `--- text ---` starts the plain-text part; a line `--- html ---` ends it and
///   starts the HTML part, which runs to the end of the file. Marker lines must be
///   exactly that (trailing spaces allowed) and each appears once.
/// - The subject and the text part are rendered without escaping (Mustache's
///   `{{%CONTENT_TYPE: TEXT}}`); the HTML part escapes every `{{value}}` (`<` → `&lt;`).
///   `{{{value}}}` and `{{&value}}` opt out, in the HTML part too.
/// - Blank lines around each part are dropped; each part ends with one line break.
struct EmailTemplateDocument: Sendable, Hashable {
    /// One part's Mustache source and the file line it starts on (1-based).
    struct Part: Sendable, Hashable {
        var source: String
        var firstLine: Int
    }

    var subject: Part
    var text: Part
    var html: Part

    static let textMarker = "--- text ---"
    static let htmlMarker = "--- html ---"

    /// Splits a file's contents into its three parts.
    ///
    /// - Parameter origin: The file path or built-in name, for the error message.
    /// - Throws: ``BillingError/Code/emailTemplateInvalid`` naming `origin` and the line.
    static func parse(_ contents: String, origin: String) throws -> EmailTemplateDocument {
        var body = Substring(contents)
        if body.first == "\u{FEFF}" { body = body.dropFirst() }
        // `\r\n` is one Character in Swift, so splitting on "\n" alone would miss it.
        let lines = body.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }

        var index = 0
        while index < lines.count, isBlank(lines[index]) { index += 1 }
        guard index < lines.count, lines[index].lowercased().hasPrefix("subject:") else {
            throw invalid(origin, line: index + 1, "the first line must be 'subject: <subject template>'")
        }
        let subjectLine = lines[index].dropFirst("subject:".count)
        guard !isBlank(subjectLine) else { throw invalid(origin, line: index + 1, "the subject is empty") }
        let subject = Part(source: String(subjectLine.drop(while: { $0 == " " || $0 == "\t" })), firstLine: index + 1)

        index += 1
        while index < lines.count, isBlank(lines[index]) { index += 1 }
        guard index < lines.count, isMarker(lines[index], textMarker) else {
            throw invalid(origin, line: index + 1, "expected the line '\(textMarker)' after the subject")
        }
        let textStart = index + 1
        guard let htmlIndex = lines[textStart...].firstIndex(where: { isMarker($0, htmlMarker) }) else {
            throw invalid(origin, line: lines.count, "no line '\(htmlMarker)' starts the HTML part")
        }
        for (offset, line) in lines.enumerated() where offset > index && offset != htmlIndex {
            if isMarker(line, textMarker) || isMarker(line, htmlMarker) {
                throw invalid(origin, line: offset + 1, "a second marker line '\(line)'; each marker appears once")
            }
        }
        let text = Part(source: lines[textStart..<htmlIndex].joined(separator: "\n"), firstLine: textStart + 1)
        let html = Part(source: lines[(htmlIndex + 1)...].joined(separator: "\n"), firstLine: htmlIndex + 2)
        return EmailTemplateDocument(subject: subject, text: text, html: html)
    }

    private static func isBlank(_ line: Substring) -> Bool {
        line.allSatisfy { $0 == " " || $0 == "\t" }
    }

    private static func isMarker(_ line: Substring, _ marker: String) -> Bool {
        var trimmed = line
        while let last = trimmed.last, last == " " || last == "\t" { trimmed = trimmed.dropLast() }
        return trimmed == marker
    }

    static func invalid(_ origin: String, line: Int, _ problem: String) -> BillingError {
        BillingError(.emailTemplateInvalid, "Email template \(origin), line \(line): \(problem)", field: "template")
    }
}
