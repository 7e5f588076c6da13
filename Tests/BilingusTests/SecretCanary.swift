import Bilingus
import Foundation
import Logging
import Synchronization

/// A secret with `"` and `\` in it, and every form it would take in text, computed here
/// independently of the redactor.
enum Canary {
    static let secret = #"cAn"ar\y-S3cr3t/+=&%!"#

    static func base64(_ text: String) -> String {
        Data(text.utf8).base64EncodedString()
    }

    static var forms: [String] {
        let reflected = String(String(reflecting: secret).dropFirst().dropLast())
        let json = String(decoding: try! JSONEncoder().encode([secret]), as: UTF8.self).dropFirst(2).dropLast(2)
        let percent = secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        return [secret, reflected, String(json), percent, base64(secret), base64("alice:" + secret), base64("bob:" + secret), "S3cr3t"]
    }

    /// The forms found in `text` (none, when all is well).
    static func leaks(in text: String) -> [String] {
        forms.filter { text.contains($0) }
    }

    /// The forms found in a file's bytes, like `strings`, but every byte.
    static func leaks(inFileAt path: String) -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return forms.filter { data.range(of: Data($0.utf8)) != nil }
    }
}

/// An error that carries the secret in its fields, the way careless code does.
struct LeakyError: Error {
    let key: String
    let header: String
}

/// A plugin that puts its secret everywhere it can: logs at trace level (raw, in a Basic
/// auth header, percent-encoded), errors, health details and failure messages.
final class LeakyPlugin: BillingPlugin {
    static let name = "leaky"
    let version = "1.0.0"
    let description = "Leaks its secret on purpose"
    let author = "tests"
    var eventPatterns: [EventPattern] { ["invoice.*"] }
    private let secret = Locked("")

    func initialize(_ config: PluginConfig) async throws {
        let key = try config.settings.secret("apiKey").reveal()
        secret.withLock { $0 = key }
        config.logger.trace(
            "connecting with \(key)",
            metadata: [
                "auth": "Basic \(Canary.base64("bob:" + key))", "url": "https://api.example.com/?key=\(key.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)",
                "nested": ["key": "\(key)"],
            ]
        )
        config.logger.trace("failed once", error: LeakyError(key: key, header: "x"))
    }

    func execute(_ context: BillingContext) async throws -> PluginResult {
        let key = try context.settings.secret("apiKey").reveal()
        throw LeakyError(key: key, header: "Authorization: Basic " + Canary.base64("alice:" + key))
    }

    func shutdown() async throws {}

    func healthCheck() async -> PluginHealth {
        .unhealthy("token \(secret.withLock { $0 }) rejected")
    }
}

/// A plugin whose initialize fails with the secret in its error.
final class BrokenLeakyPlugin: BillingPlugin {
    static let name = "broken-leaky"
    let version = "1.0.0"
    let description = "Fails to start, leaking its secret in the error"
    let author = "tests"

    func initialize(_ config: PluginConfig) async throws {
        let key = try config.settings.secret("password").reveal()
        throw LeakyError(key: key, header: "Authorization: Basic " + Canary.base64("alice:" + key))
    }

    func execute(_ context: BillingContext) async throws -> PluginResult { .success() }
    func shutdown() async throws {}
}

/// Every log line, at every level, with its metadata and error.
final class CapturedLogs: Sendable {
    private let lines = Locked<[String]>([])
    var text: String { lines.withLock { $0.joined(separator: "\n") } }
    func append(_ line: String) { lines.withLock { $0.append(line) } }

    var logger: Logger {
        var logger = Logger(label: "canary") { _ in Handler(logs: self) }
        logger.logLevel = .trace
        return logger
    }

    struct Handler: LogHandler {
        let logs: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        var metadataProvider: Logger.MetadataProvider?

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let error = event.error.map { "\(String(describing: $0)) \(String(reflecting: $0))" } ?? ""
            logs.append("\(event.level) \(event.message) \(metadata) \(event.metadata ?? [:]) \(error)")
        }
    }
}
