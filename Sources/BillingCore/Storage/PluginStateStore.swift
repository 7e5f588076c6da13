public import Foundation

/// One entry of a plugin's own durable state.
public struct PluginStateEntry: Sendable, Hashable {
    /// The key, unique within the plugin.
    public let key: String
    /// The value.
    public let value: JSONValue
    /// What a compare-and-set compares: positive, greater after every write, and never
    /// given to the same key twice, also after the entry expired or was deleted and
    /// removed. Compare it; do not compute with it (versions are not consecutive).
    public let version: Int64
    /// When the entry lapses; an expired entry reads as absent.
    public let expiresAt: Date?
    /// When it was last written.
    public let updatedAt: Date

    /// Creates an entry (storage backends build these).
    public init(key: String, value: JSONValue, version: Int64, expiresAt: Date?, updatedAt: Date) {
        self.key = key
        self.value = value
        self.version = version
        self.expiresAt = expiresAt
        self.updatedAt = updatedAt
    }
}

/// When a write to plugin state may happen.
public enum StateCondition: Sendable, Hashable {
    /// Whatever is there (or nothing).
    case any
    /// Only if there is no live entry: insert-if-absent, the once-only claim.
    case absent
    /// Only if the live entry has this version: compare-and-set.
    case version(Int64)
}

/// Durable key-value state of plugins, namespaced by plugin name: what a plugin keeps
/// to deduplicate side effects ("send once per invoice") or to remember provider ids.
///
/// Every operation is atomic; expired entries read as absent and may be written over.
/// Plugins use it through ``PluginState``, which binds their name and the clock.
public protocol PluginStateStore: Sendable {
    /// The live entry, if any.
    func pluginState(plugin: String, key: String, now: Date) async throws -> PluginStateEntry?

    /// Writes `value` if `condition` holds, and returns the new entry; `nil` if the
    /// condition did not hold (nothing was written).
    func putPluginState(
        plugin: String, key: String, value: JSONValue, condition: StateCondition, expiresAt: Date?, now: Date
    ) async throws -> PluginStateEntry?

    /// Deletes the entry if `condition` holds; returns whether a live entry was deleted.
    func deletePluginState(plugin: String, key: String, condition: StateCondition, now: Date) async throws -> Bool

    /// Live entries whose key starts with `prefix`, in key order, after `afterKey`.
    func pluginStates(plugin: String, prefix: String, after afterKey: String?, limit: Int, now: Date) async throws -> [PluginStateEntry]

    /// Deletes entries that expired before `date`; returns how many.
    func removeExpiredPluginState(before date: Date) async throws -> Int
}
