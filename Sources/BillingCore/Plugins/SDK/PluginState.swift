package import Foundation

/// A plugin's own durable key-value state, namespaced to the plugin: `config.state`.
///
/// Use it to make side effects happen once although events arrive at least once:
///
/// ```swift
/// let key = "receipt:\(invoiceId)"
/// guard let claim = try await config.state.claim(key, ["status": "sending"]) else {
///     return .success()                       // another delivery already sent it
/// }
/// let messageID = try await mailer.send(receipt)
/// try await config.state.put(key, ["status": "sent", "messageId": .string(messageID)], if: .version(claim.version))
/// ```
///
/// Every operation is atomic across processes sharing the store. Expired entries read
/// as absent. Keys are 1 to 256 bytes without control characters; values at most 64 KiB
/// of canonical JSON.
public struct PluginState: Sendable {
    /// The plugin whose state this is.
    public let plugin: String
    private let store: any PluginStateStore
    private let wallClock: WallClock

    /// The largest value, in canonical JSON bytes.
    public static let maxValueBytes = 65_536
    /// The longest key, in UTF-8 bytes.
    public static let maxKeyBytes = 256

    /// Binds a store to one plugin (the plugin manager and harnesses do this).
    public init(plugin: String, store: any PluginStateStore, wallClock: WallClock) {
        self.plugin = plugin
        self.store = store
        self.wallClock = wallClock
    }

    /// The live entry under `key`, if any.
    public func get(_ key: String) async throws -> PluginStateEntry? {
        try Self.check(key)
        return try await store.pluginState(plugin: plugin, key: key, now: wallClock.now())
    }

    /// The live value under `key`, decoded as `T`.
    public func get<T: Decodable>(_ key: String, as type: T.Type) async throws -> T? {
        guard let entry = try await get(key) else { return nil }
        return try CanonicalJSON.decode(type, from: entry.value)
    }

    /// Writes `value` under `key` if `condition` holds.
    /// - Parameters:
    ///   - key: the entry's key, unique within this plugin.
    ///   - value: what to store.
    ///   - condition: `.any` (the default), `.absent` (only if there is no live
    ///     entry), or `.version(v)` (only if the live entry has version `v`).
    ///   - expiresIn: how long the entry lives; forever by default.
    /// - Returns: the new entry (its version is one more than before, or 1).
    /// - Throws: `plugin_state.conflict` when the condition does not hold: the entry
    ///   exists (`.absent`) or has another version (`.version`); nothing was written.
    @discardableResult
    public func put(_ key: String, _ value: JSONValue, if condition: StateCondition = .any, expiresIn: Duration? = nil) async throws -> PluginStateEntry {
        try Self.check(key)
        try Self.check(value)
        let now = wallClock.now()
        guard let entry = try await store.putPluginState(
            plugin: plugin, key: key, value: value, condition: condition, expiresAt: expiresIn.map { now.adding($0) }, now: now
        ) else {
            throw BillingError(.stateConflict, "Plugin state '\(key)' of '\(plugin)' did not meet the condition \(condition); nothing was written", field: "key")
        }
        return entry
    }

    /// Writes an `Encodable` value under `key` if `condition` holds.
    @discardableResult
    public func put(_ key: String, encoding value: some Encodable, if condition: StateCondition = .any, expiresIn: Duration? = nil) async throws -> PluginStateEntry {
        try await put(key, try CanonicalJSON.value(from: value), if: condition, expiresIn: expiresIn)
    }

    /// Claims `key` once: writes `value` only if no live entry exists. Returns the new
    /// entry when this call got the claim (its version is what a later `put(_:_:if:)`
    /// compares), `nil` when another did. The building block of "do this once per invoice".
    @discardableResult
    public func claim(_ key: String, _ value: JSONValue = [:], expiresIn: Duration? = nil) async throws -> PluginStateEntry? {
        try Self.check(key)
        try Self.check(value)
        let now = wallClock.now()
        return try await store.putPluginState(
            plugin: plugin, key: key, value: value, condition: .absent, expiresAt: expiresIn.map { now.adding($0) }, now: now
        )
    }

    /// Deletes the entry under `key` if `condition` holds; returns whether one was deleted.
    @discardableResult
    public func delete(_ key: String, if condition: StateCondition = .any) async throws -> Bool {
        try Self.check(key)
        return try await store.deletePluginState(plugin: plugin, key: key, condition: condition, now: wallClock.now())
    }

    /// Live entries whose key starts with `prefix`, in key order, at most `limit`, after `afterKey` (for paging).
    public func list(prefix: String = "", after afterKey: String? = nil, limit: Int = 100) async throws -> [PluginStateEntry] {
        guard limit >= 1 else { throw BillingError.invalid("limit", "limit must be at least 1") }
        return try await store.pluginStates(plugin: plugin, prefix: prefix, after: afterKey, limit: limit, now: wallClock.now())
    }

    private static func check(_ key: String) throws {
        guard !key.isEmpty, key.utf8.count <= maxKeyBytes else {
            throw BillingError.invalid("key", "A plugin state key must be 1 to \(maxKeyBytes) bytes")
        }
        guard !EventValidator.containsControlCharacter(key) else {
            throw BillingError.invalid("key", "A plugin state key must not contain control characters")
        }
    }

    private static func check(_ value: JSONValue) throws {
        let size = try CanonicalJSON.encodedSize(of: value, maxDepth: 64)
        guard size <= maxValueBytes else {
            throw BillingError.limit("value", "A plugin state value is \(size) bytes; the limit is \(maxValueBytes)")
        }
    }
}

extension Date {
    /// `self` moved by a `Duration`: where a wait becomes a time of day (an expiry, a retry time).
    package func adding(_ duration: Duration) -> Date {
        let (seconds, attoseconds) = duration.components
        return addingTimeInterval(TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18)
    }
}

extension Duration {
    /// The time from `start` to `end` on a wall clock (a persisted retry time, an expiry), never negative.
    package static func between(_ start: Date, _ end: Date) -> Duration {
        .nanoseconds(Int64((max(0, end.timeIntervalSince(start)) * 1e9).rounded()))
    }
}
