import BillingCore
import Foundation
import Mustache

/// A template file parsed once into its three Mustache templates, ready to render many times.
struct CompiledEmailTemplate: Sendable {
    private let subject: MustacheTemplate
    private let text: MustacheTemplate
    private let html: MustacheTemplate

    /// Parses and compiles `contents` (see ``EmailTemplateDocument`` for the format).
    ///
    /// - Parameter origin: The file path or built-in name, for error messages.
    /// - Throws: ``BillingError/Code/emailTemplateInvalid`` naming `origin`, the file line
    ///   and column, and the Mustache parser's message.
    init(contents: String, origin: String) throws {
        let document = try EmailTemplateDocument.parse(contents, origin: origin)
        subject = try Self.compile(document.subject, escaping: false, origin: origin)
        text = try Self.compile(document.text, escaping: false, origin: origin)
        html = try Self.compile(document.html, escaping: true, origin: origin)
    }

    /// Renders the three parts with `context` (a ``TemplateContext`` root).
    func render(_ context: Any) -> (subject: String, text: String, html: String) {
        (
            Self.oneLine(subject.render(context)),
            Self.trimmedBody(text.render(context)),
            Self.trimmedBody(html.render(context))
        )
    }

    /// The pragma that turns escaping off: on a line of its own, which Mustache drops
    /// whole (a standalone tag), so the part's first line keeps its own standalone tags.
    private static let textPragma = "{{%CONTENT_TYPE: TEXT}}\n"

    private static func compile(_ part: EmailTemplateDocument.Part, escaping: Bool, origin: String) throws -> MustacheTemplate {
        do {
            return try MustacheTemplate(string: escaping ? part.source : textPragma + part.source)
        } catch let error as MustacheTemplate.ParserError {
            // The parser counts lines within the part, plus one for our pragma line.
            let line = part.firstLine + error.context.lineNumber - (escaping ? 1 : 2)
            let excerpt = error.context.line.trimmingCharacters(in: .whitespaces)
            throw BillingError(
                .emailTemplateInvalid,
                "Email template \(origin), line \(line), column \(error.context.columnNumber): Mustache syntax error "
                    + "(\(Self.describe(error.error))) near '\(excerpt.prefix(80))'",
                field: "template"
            )
        } catch {
            throw BillingError(.emailTemplateInvalid, "Email template \(origin): \(error)", field: "template")
        }
    }

    /// The parser's error in words.
    private static func describe(_ error: any Error) -> String {
        guard let error = error as? MustacheTemplate.Error else { return String(describing: error) }
        switch error {
        case .sectionCloseNameIncorrect: return "a section is closed with another name than it was opened with"
        case .unfinishedName: return "a tag is not closed"
        case .expectedSectionEnd: return "a section is never closed"
        case .invalidSetDelimiter: return "a set-delimiter tag is malformed"
        case .transformAppliedToInheritanceSection: return "a transform is applied to an inheritance section"
        case .illegalTokenInsideInheritSection: return "an illegal tag inside an inheritance section"
        case .textInsideInheritSection: return "text inside an inheritance section"
        case .invalidConfigVariableSyntax: return "a '{{% … }}' pragma is malformed"
        case .unrecognisedConfigVariable: return "an unknown '{{% … }}' pragma"
        }
    }

    /// A subject is one header line: control characters (line breaks from data, say) become
    /// spaces and runs of spaces one.
    private static func oneLine(_ text: String) -> String {
        var result = ""
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if scalar.properties.generalCategory == .control || scalar == " " {
                pendingSpace = !result.isEmpty
            } else {
                if pendingSpace { result += " " }
                pendingSpace = false
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// The body without blank lines around it, ending with one line break.
    private static func trimmedBody(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? "" : trimmed + "\n"
    }
}
