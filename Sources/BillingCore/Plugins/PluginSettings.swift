/// A secret setting value (an API key, a password, a signing secret).
///
/// It prints as `***` everywhere (descriptions, logs, errors, listings, `dump`); only
/// ``reveal()`` gives the value, at the point of use.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let value: String

    /// Wraps a secret value.
    public init(_ value: String) {
        self.value = value
    }

    /// The value itself. Call it where the secret is used, never to log.
    public func reveal() -> String { value }

    public var description: String { "***" }
    public var debugDescription: String { "Secret(***)" }
    /// No children, so `dump` shows ``debugDescription`` and not the stored value.
    public var customMirror: Mirror { Mirror(self, children: []) }
}

/// A plugin's typed settings (the specification's `PluginConfig.settings`).
///
/// Values are JSON; a value can be marked secret, and then it is redacted in every
/// listing, log and error, and wherever the settings are printed: `description`,
/// `debugDescription`, string interpolation and `dump` show `***` for it. Reading a
/// missing or mistyped key throws a ``BillingError`` naming the key (never echoing
/// the value).
///
/// ```swift
/// let settings: PluginSettings = ["baseURL": "https://api.stripe.com", "timeoutSeconds": 30, "apiKey": .secret("sk_live_...")]
/// let key = try settings.secret("apiKey").reveal()
/// let timeout = try settings.int("timeoutSeconds", default: 30)
/// ```
public struct PluginSettings: Sendable, Hashable, ExpressibleByDictionaryLiteral, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// One setting. A secret one prints as `***` (and `Secret(***)` when reflected).
    public struct Value: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral,
        CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable
    {
        /// The value.
        public var json: JSONValue
        /// Whether it is redacted wherever settings are shown.
        public var isSecret: Bool

        /// A plain value.
        public init(_ json: JSONValue) {
            self.json = json
            isSecret = false
        }

        /// A secret value.
        public static func secret(_ value: String) -> Value {
            var setting = Value(.string(value))
            setting.isSecret = true
            return setting
        }

        public init(stringLiteral value: String) { self.init(.string(value)) }
        public init(integerLiteral value: Int64) { self.init(.int(value)) }
        public init(booleanLiteral value: Bool) { self.init(.bool(value)) }
        public init(arrayLiteral elements: JSONValue...) { self.init(.array(elements)) }

        /// The JSON text, or `***` for a secret.
        public var description: String { isSecret ? "***" : json.description }

        public var debugDescription: String { isSecret ? "Secret(***)" : json.description }

        /// The stored value masked when secret, so `dump` never shows it.
        public var customMirror: Mirror {
            Mirror(self, children: ["json": isSecret ? "***" as Any : json, "isSecret": isSecret], displayStyle: .struct)
        }
    }

    /// The settings by key.
    public private(set) var values: [String: Value]

    /// Creates settings.
    public init(_ values: [String: Value] = [:]) {
        self.values = values
    }

    public init(dictionaryLiteral elements: (String, Value)...) {
        self.init(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }

    /// Sets a value.
    public subscript(key: String) -> Value? {
        get { values[key] }
        set { values[key] = newValue }
    }

    /// The keys whose values are secret.
    public var secretKeys: Set<String> {
        Set(values.filter { $0.value.isSecret }.keys)
    }

    /// The settings as JSON, secrets replaced by `"***"`: safe to log and list.
    public var redacted: JSONValue {
        .object(JSONObject(values.mapValues { $0.isSecret ? .string("***") : $0.json }))
    }

    /// A redactor for every string within a secret value, for the plugin's logs and errors.
    ///
    /// Computed on each read (it prepares its search patterns): keep the result.
    public var redactor: SecretRedactor {
        SecretRedactor(values.values.filter(\.isSecret).flatMap { Self.strings(in: $0.json) })
    }

    private static func strings(in value: JSONValue) -> [String] {
        switch value {
        case .string(let text): [text]
        case .array(let elements): elements.flatMap(strings(in:))
        case .object(let members): members.values.flatMap(strings(in:))
        case .null, .bool, .int, .double: []
        }
    }

    /// The settings as JSON, secrets as `"***"`.
    public var description: String {
        CanonicalJSON.string(redacted)
    }

    public var debugDescription: String {
        "PluginSettings(\(description))"
    }

    /// One child per key, in key order, each masked when secret, so `dump` never shows a secret.
    public var customMirror: Mirror {
        Mirror(self, children: values.sorted { $0.key < $1.key }.map { (label: $0.key, value: $0.value) }, displayStyle: .struct)
    }

    // MARK: Typed access

    /// A required string.
    public func string(_ key: String) throws -> String {
        try read(key, as: "a string") { $0.stringValue }
    }

    /// An optional string, or `defaultValue` when missing.
    public func string(_ key: String, default defaultValue: String) throws -> String {
        values[key] == nil ? defaultValue : try string(key)
    }

    /// A required integer.
    public func int(_ key: String) throws -> Int64 {
        try read(key, as: "an integer") { $0.intValue }
    }

    /// An integer, or `defaultValue` when missing.
    public func int(_ key: String, default defaultValue: Int64) throws -> Int64 {
        values[key] == nil ? defaultValue : try int(key)
    }

    /// A required boolean.
    public func bool(_ key: String) throws -> Bool {
        try read(key, as: "a boolean") { $0.boolValue }
    }

    /// A boolean, or `defaultValue` when missing.
    public func bool(_ key: String, default defaultValue: Bool) throws -> Bool {
        values[key] == nil ? defaultValue : try bool(key)
    }

    /// A required list of strings.
    public func strings(_ key: String) throws -> [String] {
        try read(key, as: "a list of strings") { value in
            value.arrayValue.flatMap { array in
                let strings = array.compactMap(\.stringValue)
                return strings.count == array.count ? strings : nil
            }
        }
    }

    /// A list of strings, or `defaultValue` when missing.
    public func strings(_ key: String, default defaultValue: [String]) throws -> [String] {
        values[key] == nil ? defaultValue : try strings(key)
    }

    /// A required secret string.
    public func secret(_ key: String) throws -> Secret {
        Secret(try string(key))
    }

    /// A required JSON value of any shape.
    public func json(_ key: String) throws -> JSONValue {
        try read(key, as: "a value") { $0 }
    }

    /// A setting decoded as any `Decodable` (a nested configuration struct, say).
    public func decode<T: Decodable>(_ type: T.Type, _ key: String) throws -> T {
        let value = try json(key)
        do {
            return try CanonicalJSON.decode(type, from: value)
        } catch {
            throw BillingError(.invalidArgument, "Setting '\(key)' does not have the shape of \(T.self)", field: key)
        }
    }

    private func read<T>(_ key: String, as kind: String, _ extract: (JSONValue) -> T?) throws -> T {
        guard let setting = values[key] else {
            throw BillingError(.invalidArgument, "Setting '\(key)' is missing", field: key)
        }
        guard let value = extract(setting.json) else {
            throw BillingError(.invalidArgument, "Setting '\(key)' must be \(kind)", field: key)
        }
        return value
    }
}
