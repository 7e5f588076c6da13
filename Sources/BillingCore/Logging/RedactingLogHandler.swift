public import Logging

/// A log handler that removes secrets before another handler sees a log event.
///
/// It redacts, with a ``SecretRedactor``, the message, every metadata key and value
/// (into nested dictionaries and arrays, and the text of `stringConvertible` values),
/// the metadata its metadata provider returns, and the error attached to the event:
/// an error whose `String(describing:)` or `String(reflecting:)` shows a secret is
/// handed on as an error that prints only the redacted text. Metadata set on the
/// handler is redacted when it is set. Log level and metadata reads and writes pass
/// through to the wrapped handler.
///
/// ```swift
/// let logger = Logger(label: "plugin.acme").redacting(settings.redactor)
/// ```
public struct RedactingLogHandler: LogHandler {
    /// The handler that receives the redacted events.
    public private(set) var wrapped: any LogHandler
    /// What it redacts (read again for every event when the secrets can change).
    public var redactor: SecretRedactor { source() }
    private let source: @Sendable () -> SecretRedactor
    /// The provider as set, unredacted; the wrapped handler holds a redacting one.
    private var originalMetadataProvider: Logger.MetadataProvider?

    /// Wraps `handler`, redacting the metadata and provider it already has.
    public init(wrapping handler: any LogHandler, redactor: SecretRedactor) {
        self.init(wrapping: handler) { redactor }
    }

    /// Wraps `handler` with secrets that may change while it lives (a plugin's
    /// tenants' settings): `redactor` is asked for every event.
    package init(wrapping handler: any LogHandler, redactor: @escaping @Sendable () -> SecretRedactor) {
        wrapped = handler
        source = redactor
        originalMetadataProvider = handler.metadataProvider
        let current = redactor()
        wrapped.metadata = current.redact(handler.metadata)
        wrapped.metadataProvider = Self.redacting(handler.metadataProvider, with: redactor)
    }

    public func log(event: LogEvent) {
        let redactor = self.redactor
        var event = event
        if let text = redactor.redactedIfNeeded(event.message.description) {
            event.message = Logger.Message(stringLiteral: text)
        }
        if let metadata = event.metadata {
            event.metadata = redactor.redact(metadata)
        }
        if let error = event.error {
            event.error = RedactedError.replacing(error, with: redactor)
        }
        wrapped.log(event: event)
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { originalMetadataProvider }
        set {
            originalMetadataProvider = newValue
            wrapped.metadataProvider = Self.redacting(newValue, with: source)
        }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { wrapped[metadataKey: key] }
        set { wrapped[metadataKey: redactor.redact(key)] = newValue.map(redactor.redact) }
    }

    public var metadata: Logger.Metadata {
        get { wrapped.metadata }
        set { wrapped.metadata = redactor.redact(newValue) }
    }

    public var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }

    private static func redacting(_ provider: Logger.MetadataProvider?, with redactor: @escaping @Sendable () -> SecretRedactor) -> Logger.MetadataProvider? {
        guard let provider else { return provider }
        return Logger.MetadataProvider { redactor().redact(provider.get()) }
    }
}

/// An error that stands in for one whose text showed a secret: it prints the redacted
/// text and the original type's name, and holds nothing else.
struct RedactedError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let description: String
    let debugDescription: String

    /// `error` itself when neither of its descriptions shows a secret, else a stand-in.
    static func replacing(_ error: any Error, with redactor: SecretRedactor) -> any Error {
        let described = String(describing: error)
        let reflected = String(reflecting: error)
        let redactedDescription = redactor.redactedIfNeeded(described)
        let redactedReflection = redactor.redactedIfNeeded(reflected)
        guard redactedDescription != nil || redactedReflection != nil else { return error }
        return RedactedError(description: redactedDescription ?? described, debugDescription: redactedReflection ?? reflected)
    }

    var customMirror: Mirror {
        Mirror(self, children: ["description": description])
    }
}

extension Logger {
    /// This logger with its handler wrapped in a ``RedactingLogHandler`` that asks
    /// `redactor` for the secrets at every event.
    package func redacting(_ redactor: @escaping @Sendable () -> SecretRedactor) -> Logger {
        var logger = self
        logger.handler = RedactingLogHandler(wrapping: handler, redactor: redactor)
        return logger
    }

    /// This logger with its handler wrapped in a ``RedactingLogHandler``; the logger
    /// itself when `redactor` has no secrets.
    package func redacting(_ redactor: SecretRedactor) -> Logger {
        guard !redactor.isEmpty else { return self }
        var logger = self
        if let redacting = handler as? RedactingLogHandler {
            // One wrapper with both sets of secrets, not a wrapper per call.
            var merged = RedactingLogHandler(wrapping: redacting.wrapped, redactor: redacting.redactor.union(redactor))
            merged.metadataProvider = redacting.metadataProvider
            logger.handler = merged
        } else {
            logger.handler = RedactingLogHandler(wrapping: handler, redactor: redactor)
        }
        return logger
    }
}
