public import BillingCore
public import Foundation

/// Installed-plugin records and plugins' own state, with the SQL backends' semantics.
extension InMemoryEventStore {
    public func savePluginRecord(_ record: PluginRecord) async throws {
        try withState { state in
            let existing = state.pluginRecords[record.name]
            state.pluginRecords[record.name] = PluginRecord(
                id: existing?.id ?? record.id, name: record.name, version: record.version, description: record.description,
                author: record.author, isActive: record.isActive, settings: record.settings, tenantSettings: record.tenantSettings,
                createdAt: existing?.createdAt ?? Timestamp.normalize(record.createdAt), updatedAt: Timestamp.normalize(record.updatedAt)
            )
        }
    }

    public func pluginRecord(named name: String) async throws -> PluginRecord? {
        try withState { $0.pluginRecords[name] }
    }

    public func pluginRecords() async throws -> [PluginRecord] {
        try withState { $0.pluginRecords.values.sorted { $0.name < $1.name } }
    }

    public func deletePluginRecord(named name: String) async throws -> Bool {
        try withState { $0.pluginRecords.removeValue(forKey: name) != nil }
    }

    // MARK: Plugin state

    public func pluginState(plugin: String, key: String, now: Date) async throws -> PluginStateEntry? {
        try withState { state in
            state.pluginState[plugin]?[key].flatMap { Self.isLive($0, now) ? $0 : nil }
        }
    }

    public func putPluginState(
        plugin: String, key: String, value: JSONValue, condition: StateCondition, expiresAt: Date?, now: Date
    ) async throws -> PluginStateEntry? {
        try withState { state in
            let current = state.pluginState[plugin]?[key]
            let live = current.flatMap { Self.isLive($0, now) ? $0 : nil }
            guard Self.holds(condition, live) else { return nil }
            // From one store-wide counter: never reused, so a stale compare-and-set always fails.
            state.lastPluginStateVersion += 1
            let entry = PluginStateEntry(
                key: key, value: value, version: state.lastPluginStateVersion, expiresAt: expiresAt.map(Timestamp.normalize),
                updatedAt: Timestamp.normalize(now)
            )
            state.pluginState[plugin, default: [:]][key] = entry
            return entry
        }
    }

    public func deletePluginState(plugin: String, key: String, condition: StateCondition, now: Date) async throws -> Bool {
        try withState { state in
            guard let current = state.pluginState[plugin]?[key], Self.isLive(current, now), Self.holds(condition, current) else { return false }
            state.pluginState[plugin]?[key] = nil
            return true
        }
    }

    public func pluginStates(plugin: String, prefix: String, after afterKey: String?, limit: Int, now: Date) async throws -> [PluginStateEntry] {
        try withState { state in
            // Byte order, as the SQL backends' BINARY collation compares keys.
            (state.pluginState[plugin] ?? [:]).values
                .filter { entry in
                    entry.key.hasPrefix(prefix) && Self.isLive(entry, now)
                        && (afterKey.map { after in after.utf8.lexicographicallyPrecedes(entry.key.utf8) } ?? true)
                }
                .sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
                .prefix(max(0, limit))
                .map { $0 }
        }
    }

    public func removeExpiredPluginState(before date: Date) async throws -> Int {
        try withState { state in
            var removed = 0
            for (plugin, entries) in state.pluginState {
                let kept = entries.filter { $0.value.expiresAt.map { $0 > date } ?? true }
                removed += entries.count - kept.count
                state.pluginState[plugin] = kept
            }
            return removed
        }
    }

    private static func isLive(_ entry: PluginStateEntry, _ now: Date) -> Bool {
        entry.expiresAt.map { $0 > now } ?? true
    }

    private static func holds(_ condition: StateCondition, _ live: PluginStateEntry?) -> Bool {
        switch condition {
        case .any: true
        case .absent: live == nil
        case .version(let version): live?.version == version
        }
    }
}
