import BillingCore
import Foundation
import InMemoryLogging
import Logging
import Testing

@Suite("RedactingLogHandler")
struct RedactingLogHandlerTests {
    struct GatewayRejected: Error {
        let apiKey: String
    }

    struct PlainFailure: Error, Equatable {
        let code: Int
    }

    let logs = InMemoryLogHandler()
    let redactor = SecretRedactor([canarySecret])

    func makeLogger() -> Logger {
        let logs = self.logs
        var logger = Logger(label: "plugin.acme") { _ in logs }.redacting(redactor)
        logger.logLevel = .trace
        return logger
    }

    /// The forms of the canary these tests put in the log, and its distinctive middle.
    static let canaryForms = [
        canarySecret,
        "wörd",
        #"pa\"ss\\w"#,
        "pa%22ss%5Cw",
        String(Data(canarySecret.utf8).base64EncodedString().prefix(12)),
    ]

    /// Everything a downstream handler could print of an entry.
    static func renderings(of entry: InMemoryLogHandler.Entry) -> [String] {
        var texts = [entry.message.description, String(describing: entry.metadata), String(reflecting: entry.metadata)]
        if let error = entry.error {
            var dumped = ""
            dump(error, to: &dumped)
            texts += [String(describing: error), String(reflecting: error), dumped]
        }
        return texts
    }

    @Test("A trace line with the secret in its message, metadata, nested metadata and error shows no form of it")
    func traceLine() throws {
        let logger = makeLogger()
        let percentEncoded = try #require(canarySecret.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
        let base64 = Data("ann:\(canarySecret)".utf8).base64EncodedString()
        logger.trace(
            "Calling gateway with key \(canarySecret)",
            error: GatewayRejected(apiKey: canarySecret),
            metadata: [
                "request": "\(GatewayRejected(apiKey: canarySecret))",
                "nested": ["url": "https://pay.example/?key=\(percentEncoded)", "headers": ["Authorization: Basic \(base64)"]],
                "convertible": .stringConvertible(BillingError(.pluginFailure, "wrapped", underlying: GatewayRejected(apiKey: canarySecret))),
            ]
        )
        let entry = try #require(logs.entries.first)
        #expect(entry.level == .trace)
        #expect(entry.message.description == "Calling gateway with key ***")
        for text in Self.renderings(of: entry) {
            for form in Self.canaryForms {
                #expect(!text.contains(form), "\(form) shows in \(text)")
            }
        }
        #expect(entry.metadata["request"] == #"GatewayRejected(apiKey: "***")"#)
        #expect(String(describing: try #require(entry.error)) == #"GatewayRejected(apiKey: "***")"#)
    }

    @Test("Metadata set on the logger and a metadata provider's output are redacted")
    func loggerMetadataAndProvider() throws {
        var handler = logs
        handler.metadataProvider = Logger.MetadataProvider { ["provided": "token \(canarySecret)"] }
        var logger = Logger(label: "plugin.acme") { [handler] _ in handler }.redacting(redactor)
        logger.logLevel = .trace
        logger[metadataKey: "key"] = "\(canarySecret)"
        #expect(logger[metadataKey: "key"] == "***")
        logger.debug("hello")
        let entry = try #require(logs.entries.first)
        #expect(entry.metadata["key"] == "***")
        #expect(entry.metadata["provided"] == "token ***")
    }

    @Test("Metadata the wrapped handler already had is redacted, and the provider reads back as set")
    func existingMetadata() throws {
        var handler = InMemoryLogHandler()
        handler.metadata = ["old": "\(canarySecret)"]
        let provider = Logger.MetadataProvider { ["p": "\(canarySecret)"] }
        handler.metadataProvider = provider
        let redacting = RedactingLogHandler(wrapping: handler, redactor: redactor)
        #expect(redacting.metadata["old"] == "***")
        #expect(redacting.metadataProvider?.get()["p"] == "\(canarySecret)", "the provider as set, not the wrapped one")
        redacting.log(event: LogEvent(level: .info, message: "m", metadata: nil, source: nil, file: #fileID, function: #function, line: #line))
        let entry = try #require(handler.entries.first)
        #expect(entry.metadata == ["old": "***", "p": "***"])
    }

    @Test("Log level and metadata reads and writes pass through; an error without a secret keeps its type")
    func passThrough() throws {
        var logger = makeLogger()
        #expect(logger.logLevel == .trace)
        logger.logLevel = .warning
        #expect(logger.handler.logLevel == .warning)
        #expect((logger.handler as? RedactingLogHandler)?.wrapped.logLevel == .warning)
        logger.info("dropped at warning level")
        logger[metadataKey: "plain"] = "visible"
        logger.warning("kept", error: PlainFailure(code: 7))
        let entries = logs.entries
        #expect(entries.count == 1)
        let entry = try #require(entries.first)
        #expect(entry.metadata["plain"] == "visible")
        #expect(entry.error as? PlainFailure == PlainFailure(code: 7))
    }

    @Test("Redacting an already redacting logger wraps once, with both sets of secrets")
    func redactingTwice() throws {
        let logs = self.logs
        var logger = Logger(label: "x") { _ in logs }.redacting(SecretRedactor(["first-secret"])).redacting(SecretRedactor(["second-secret"]))
        logger.logLevel = .trace
        let handler = try #require(logger.handler as? RedactingLogHandler)
        #expect(handler.wrapped is InMemoryLogHandler)
        logger.trace("first-secret second-secret")
        #expect(logs.entries.first?.message.description == "*** ***")
    }

    @Test("An empty redactor leaves the logger's handler as it is")
    func emptyRedactor() {
        let logs = self.logs
        let logger = Logger(label: "x") { _ in logs }.redacting(.none)
        #expect(logger.handler is InMemoryLogHandler)
    }
}
