import Foundation
import Testing

/// Every ```swift block of Documentation/PluginGuide.md (and of the other plugin documents
/// and the README)
/// must be quoted verbatim (whole lines) from code that CI compiles and tests: this target's
/// files, the LoyaltyPoints example, or the sample manifest (which `swift package
/// dump-package` must accept).
@Suite("Documentation/PluginGuide.md quotes compiled code only")
struct GuideSamplesAreCompiledTests {
    /// The repository root: this file is `<root>/Tests/PluginGuideTests/<file>.swift`.
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The bodies of the guide's swift blocks, in order.
    static func swiftBlocks(in markdown: String) -> [String] {
        var blocks: [String] = []
        var current: [String]?
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let fence = line.trimmingCharacters(in: .whitespaces)
            if var lines = current {
                if fence == "```" {
                    blocks.append(lines.joined(separator: "\n"))
                    current = nil
                } else {
                    lines.append(line)
                    current = lines
                }
            } else if fence == "```swift" {
                current = []
            }
        }
        return blocks
    }

    /// The files a swift block may quote, concatenated, one file after another.
    static func allowedSources() throws -> String {
        let files = FileManager.default
        var paths: [URL] = []
        let tests = root.appendingPathComponent("Tests/PluginGuideTests")
        paths += try files.contentsOfDirectory(at: tests, includingPropertiesForKeys: nil).filter { $0.pathExtension == "swift" }
        let example = root.appendingPathComponent("Examples/LoyaltyPoints")
        for case let url as URL in files.enumerator(at: example, includingPropertiesForKeys: nil)?.allObjects ?? []
        where url.pathExtension == "swift" {
            paths.append(url)
        }
        paths.append(root.appendingPathComponent("Documentation/PluginGuideSamples/Package.swift"))
        return try paths.sorted { $0.path < $1.path }
            .map { try String(contentsOf: $0, encoding: .utf8) }
            .joined(separator: "\n")
    }

    /// The other documents about plugins, held to the same rule as the guide.
    static let otherDocuments = ["Sources/BillingCore/BillingCore.docc/WritingPlugins.md", "Documentation/Plugins.md", "README.md"]

    @Test("Every swift block appears verbatim, as whole lines, in the compiled samples")
    func blocksAreQuoted() throws {
        let guide = try String(contentsOf: Self.root.appendingPathComponent("Documentation/PluginGuide.md"), encoding: .utf8)
        #expect(Self.swiftBlocks(in: guide).count >= 10, "the guide should show its samples")
        var blocks = Self.swiftBlocks(in: guide)
        for article in Self.otherDocuments {
            let text = try String(contentsOf: Self.root.appendingPathComponent(article), encoding: .utf8)
            let found = Self.swiftBlocks(in: text)
            #expect(!found.isEmpty, "\(article) should show a sample")
            blocks += found
        }
        let sources = "\n" + (try Self.allowedSources()) + "\n"
        for block in blocks {
            let firstLine = block.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
            #expect(!block.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "empty swift block")
            let quoted = sources.contains("\n" + block + "\n")  // whole lines, not just a substring
            #expect(quoted, "not quoted verbatim from a compiled file; block starts: \(firstLine)")
        }
    }

    @Test("The plugin documents name no plugin that does not exist, and cite the specification, not a seed")
    func noPhantoms() throws {
        for document in ["Documentation/PluginGuide.md"] + Self.otherDocuments {
            let text = try String(contentsOf: Self.root.appendingPathComponent(document), encoding: .utf8)
            for phantom in ["AuditLogPlugin", "SMTPEmailPlugin"] {
                #expect(!text.contains(phantom), "\(document) mentions \(phantom), which does not exist")
            }
            #expect(text.range(of: "\\bseeds?\\b", options: [.regularExpression, .caseInsensitive]) == nil, "\(document) says 'seed'")
        }
    }

    @Test("The block extraction sees every block and nothing else")
    func extraction() {
        let markdown = "Intro\n```swift\nlet a = 1\n    let b = 2\n```\n```sh\nswift build\n```\n```swift\nlet c = 3\n```\n"
        #expect(Self.swiftBlocks(in: markdown) == ["let a = 1\n    let b = 2", "let c = 3"])
    }
}
