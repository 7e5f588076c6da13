import BillingCore
import Foundation

/// Listing plugin state by key prefix, and purging expired entries.
enum PluginStateListingChecks {
    static let suite = "PluginStateStore"

    static let all: [StorageConformanceCheck] = [prefixByteOrder, prefixIsLiteral, removeExpired]

    private static let now = PluginStateWriteChecks.now

    static let prefixByteOrder = StorageConformanceCheck(suite, "pluginStates lists the live entries with a prefix in byte order, after a key, up to a limit") { store in
        // Byte order puts upper case before lower case, and multi-byte characters last.
        let inPrefix = ["job/", "job/B", "job/a", "job/b", "job/~", "job/é", "job/😀"]
        for key in ["job/b", "job/😀", "jobs", "job/é", "jo", "job/a", "other/a", "job/~", "job/B", "job/"] {
            _ = try await PluginStateWriteChecks.put(store, key, .string(key))
        }
        _ = try await PluginStateWriteChecks.put(store, "job/c", "brief", expiresAt: now.addingTimeInterval(10))
        _ = try await PluginStateWriteChecks.put(store, "job/x", "elsewhere", plugin: "q")
        func keys(_ prefix: String, after: String? = nil, limit: Int = 100, at date: Date) async throws -> [String] {
            try await store.pluginStates(plugin: "p", prefix: prefix, after: after, limit: limit, now: date).map(\.key)
        }
        let later = now.addingTimeInterval(11)
        try expectEqual(await keys("job/", at: later), inPrefix, "the keys with prefix job/, in byte order")
        try expectEqual(await keys("job/", at: now), ["job/", "job/B", "job/a", "job/b", "job/c", "job/~", "job/é", "job/😀"], "the keys before job/c expired")
        try expectEqual(await keys("job/", limit: 2, at: later), ["job/", "job/B"], "the first two keys")
        try expectEqual(await keys("job/", after: "job/a", limit: 2, at: later), ["job/b", "job/~"], "two keys after job/a")
        try expectEqual(await keys("job/", after: "job/aa", limit: 2, at: later), ["job/b", "job/~"], "two keys after job/aa, which is not stored")
        try expectEqual(await keys("job/", after: "job/😀", at: later), [], "the keys after the last")
        try expectEqual(await keys("", at: later), ["jo", "job/", "job/B", "job/a", "job/b", "job/~", "job/é", "job/😀", "jobs", "other/a"], "every live key")
        try expectEqual(await keys("nothing", at: later), [], "the keys with a prefix nothing has")
        let entries = try await store.pluginStates(plugin: "p", prefix: "job/~", after: nil, limit: 10, now: later)
        try expectEqual(entries.map(\.value), ["job/~"], "the values listed with their keys")
    }

    static let prefixIsLiteral = StorageConformanceCheck(suite, "A prefix matches literally: _, %, * and \\ are no wildcards or escapes") { store in
        for key in ["a_b/1", "axb/1", "a%b/1", "abcb/1", "a*b/1", "a\\b/1", "A_b/1"] {
            _ = try await PluginStateWriteChecks.put(store, key, 1)
        }
        func keys(_ prefix: String) async throws -> [String] {
            try await store.pluginStates(plugin: "p", prefix: prefix, after: nil, limit: 100, now: now).map(\.key)
        }
        try expectEqual(await keys("a_b"), ["a_b/1"], "the keys with prefix a_b")
        try expectEqual(await keys("a%"), ["a%b/1"], "the keys with prefix a%")
        try expectEqual(await keys("a*"), ["a*b/1"], "the keys with prefix a*")
        try expectEqual(await keys("a\\"), ["a\\b/1"], "the keys with prefix a\\")
        try expectEqual(await keys("A"), ["A_b/1"], "the keys with prefix A (case-sensitive)")
    }

    static let removeExpired = StorageConformanceCheck(suite, "removeExpiredPluginState(before:) deletes the entries of every plugin that expired before the date, and returns how many") { store in
        _ = try await PluginStateWriteChecks.put(store, "e1", 1, expiresAt: now.addingTimeInterval(10))
        _ = try await PluginStateWriteChecks.put(store, "e2", 2, expiresAt: now.addingTimeInterval(20))
        let kept = try await PluginStateWriteChecks.put(store, "keep", 3)
        _ = try await PluginStateWriteChecks.put(store, "e1", 4, plugin: "q", expiresAt: now.addingTimeInterval(5))
        try expectEqual(await store.removeExpiredPluginState(before: now.addingTimeInterval(15)), 2, "how many entries expired before 15 s")
        // Read as of the start, when they were live: gone means removed, not just expired.
        try expectEqual(await store.pluginState(plugin: "p", key: "e1", now: now), nil, "p's e1 after the purge")
        try expectEqual(await store.pluginState(plugin: "q", key: "e1", now: now), nil, "q's e1 after the purge")
        try expectEqual(await store.pluginStates(plugin: "p", prefix: "", after: nil, limit: 10, now: now).map(\.key), ["e2", "keep"], "p's keys after the purge")
        try expectEqual(await store.removeExpiredPluginState(before: now.addingTimeInterval(15)), 0, "a second purge with the same date")
        try expectEqual(await store.removeExpiredPluginState(before: now.addingTimeInterval(1000)), 1, "how many entries expired before 1000 s")
        try expectEqual(await store.pluginState(plugin: "p", key: "keep", now: now.addingTimeInterval(2000)), kept, "the entry without expiry")
    }
}
