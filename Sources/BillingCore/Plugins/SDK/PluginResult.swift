/// The outcome of a plugin call (the specification's `PluginResult`).
///
/// ```swift
/// return .success(["points": 120])
/// return .stop(reason: "Blocked: amount above 5,000.00 EUR", data: verdict)
/// return .failure(message: "The SMTP server refused the login")
/// ```
///
/// For readers of the specification, ``success``, ``data``, ``error`` and
/// ``shouldContinue`` read the same facts as its fields.
public enum PluginResult: Sendable, Hashable {
    /// The plugin did what was asked; a pipeline goes on to the next stage.
    case success(JSONValue? = nil)
    /// The plugin did its job and says the flow must stop here: a fraud check that
    /// blocks a payment, a declined charge. A pipeline stops; it is not a failure.
    case stop(reason: String, data: JSONValue? = nil)
    /// The plugin could not do what was asked. From a durable subscription, the event
    /// is retried; in a pipeline, the pipeline stops and the caller gets `plugin.failure`.
    case failure(message: String)

    /// Whether the plugin did what was asked (`true` for a success and for a stop).
    public var success: Bool {
        if case .failure = self { return false }
        return true
    }

    /// Data for the caller or the next pipeline stage.
    public var data: JSONValue? {
        switch self {
        case .success(let data), .stop(_, let data): data
        case .failure: nil
        }
    }

    /// Why it stopped or failed, for operators (no secrets).
    public var error: String? {
        switch self {
        case .success: nil
        case .stop(let reason, _): reason
        case .failure(let message): message
        }
    }

    /// Whether a pipeline goes on to the next plugin: only after a success.
    public var shouldContinue: Bool {
        if case .success = self { return true }
        return false
    }
}
