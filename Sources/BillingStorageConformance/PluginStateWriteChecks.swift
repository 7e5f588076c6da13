import BillingCore
import Foundation

/// Plugin state writes and deletes: conditions, versions and expiry.
enum PluginStateWriteChecks {
    static let suite = "PluginStateStore"

    static let all: [StorageConformanceCheck] = [
        versionsGrow, absentCondition, versionCondition, expiry, conditionalDelete, versionsAfterCleanup, values, namespaces,
    ]

    /// A fixed instant, so checks never depend on the clock.
    static let now = Date(timeIntervalSince1970: 1_790_000_000.5)

    /// Writes `value`, failing the check if the condition did not hold.
    static func put(
        _ store: any BillingStorage, _ key: String, _ value: JSONValue, plugin: String = "p", if condition: StateCondition = .any,
        expiresAt: Date? = nil, at date: Date = now, fileID: String = #fileID, line: Int = #line
    ) async throws -> PluginStateEntry {
        let entry = try await store.putPluginState(plugin: plugin, key: key, value: value, condition: condition, expiresAt: expiresAt, now: date)
        return try unwrap(entry, "the entry written under '\(key)' with condition \(condition)", fileID: fileID, line: line)
    }

    static let versionsGrow = StorageConformanceCheck(suite, "A new entry has a positive version, each write a greater one, and entries read back as written") { store in
        let first = try await put(store, "k", ["n": 1])
        try expect(first.version >= 1, "a positive version, not \(first.version)")
        try expectEqual(first, PluginStateEntry(key: "k", value: ["n": 1], version: first.version, expiresAt: nil, updatedAt: now), "the new entry")
        try expectEqual(await store.pluginState(plugin: "p", key: "k", now: now), first, "the new entry read back")
        let second = try await put(store, "k", "two", at: now.addingTimeInterval(1))
        try expect(second.version > first.version, "a greater version after a second write")
        try expectEqual(second, PluginStateEntry(key: "k", value: "two", version: second.version, expiresAt: nil, updatedAt: now.addingTimeInterval(1)), "the entry written again")
        let expiresAt = now.addingTimeInterval(100.000_000_4)
        let third = try await put(store, "k", [1, 2], expiresAt: expiresAt, at: now.addingTimeInterval(2))
        try expect(third.version > second.version, "a greater version after a third write")
        try expectEqual(third.expiresAt, Timestamp.normalize(expiresAt), "the expiry, at microsecond precision")
        try expectEqual(await store.pluginState(plugin: "p", key: "k", now: now.addingTimeInterval(3)), third, "the third entry read back")
        try expectEqual(await store.pluginState(plugin: "p", key: "other", now: now), nil, "a key never written")
    }

    static let absentCondition = StorageConformanceCheck(suite, ".absent writes only when there is no live entry; otherwise it returns nil and writes nothing") { store in
        let claimed = try await put(store, "claim", "first", if: .absent)
        try expect(claimed.version >= 1, "a positive version of the claim")
        let second = try await store.putPluginState(plugin: "p", key: "claim", value: "second", condition: .absent, expiresAt: nil, now: now.addingTimeInterval(1))
        try expectEqual(second, nil, "a second .absent write")
        try expectEqual(await store.pluginState(plugin: "p", key: "claim", now: now.addingTimeInterval(2)), claimed, "the entry after the refused write")
    }

    static let versionCondition = StorageConformanceCheck(suite, ".version(n) writes only over the live entry of version n; otherwise it returns nil and writes nothing") { store in
        let onMissing = try await store.putPluginState(plugin: "p", key: "k", value: "x", condition: .version(1), expiresAt: nil, now: now)
        try expectEqual(onMissing, nil, "a .version(1) write where there is no entry")
        try expectEqual(await store.pluginState(plugin: "p", key: "k", now: now), nil, "the key after the refused write")
        let first = try await put(store, "k", "one")
        let wrong = try await store.putPluginState(plugin: "p", key: "k", value: "x", condition: .version(first.version + 1), expiresAt: nil, now: now)
        try expectEqual(wrong, nil, "a write conditioned on another version")
        try expectEqual(await store.pluginState(plugin: "p", key: "k", now: now), first, "the entry after the refused write")
        let swapped = try await put(store, "k", "two", if: .version(first.version), at: now.addingTimeInterval(1))
        try expect(swapped.version > first.version, "a greater version after a compare-and-set")
        try expectEqual(swapped.value, "two", "the value after a compare-and-set")
        let stale = try await store.putPluginState(plugin: "p", key: "k", value: "x", condition: .version(first.version), expiresAt: nil, now: now)
        try expectEqual(stale, nil, "a second compare-and-set over the first version")
        try expectEqual(await store.pluginState(plugin: "p", key: "k", now: now.addingTimeInterval(2)), swapped, "the entry after the stale write")
    }

    static let expiry = StorageConformanceCheck(suite, "An expired entry reads as absent, can be claimed again, and its new version is greater than the old one") { store in
        let lease = try await put(store, "lock", "a", if: .absent, expiresAt: now.addingTimeInterval(10))
        try expectEqual(await store.pluginState(plugin: "p", key: "lock", now: now.addingTimeInterval(5)), lease, "the entry before its expiry")
        let later = now.addingTimeInterval(11)
        try expectEqual(await store.pluginState(plugin: "p", key: "lock", now: later), nil, "the entry after its expiry")
        let overExpired = try await store.putPluginState(plugin: "p", key: "lock", value: "x", condition: .version(lease.version), expiresAt: nil, now: later)
        try expectEqual(overExpired, nil, "a compare-and-set over the expired version")
        let reclaimed = try await put(store, "lock", "b", if: .absent, expiresAt: now.addingTimeInterval(20), at: later)
        try expect(reclaimed.version > lease.version, "a greater version for the entry claimed again after expiry")
        try expectEqual(await store.pluginState(plugin: "p", key: "lock", now: later), reclaimed, "the entry claimed again")
        let overwritten = try await put(store, "lock", "c", at: now.addingTimeInterval(21))
        try expect(overwritten.version > reclaimed.version, "a greater version for an .any write over an expired entry")
        try expectEqual(overwritten.expiresAt, nil, "the expiry of the entry written without one")
    }

    static let conditionalDelete = StorageConformanceCheck(suite, "deletePluginState honours its condition and returns whether a live entry was deleted") { store in
        func delete(_ key: String, _ condition: StateCondition, at date: Date = now) async throws -> Bool {
            try await store.deletePluginState(plugin: "p", key: key, condition: condition, now: date)
        }
        try expect(try await !delete("k", .any), "deleting a key never written to return false")
        let old = try await put(store, "k", "one")
        let current = try await put(store, "k", "two")
        try expect(try await !delete("k", .absent), "an .absent delete of a live entry to return false")
        try expect(try await !delete("k", .version(old.version)), "a delete conditioned on an older version to return false")
        try expectEqual(await store.pluginState(plugin: "p", key: "k", now: now), current, "the entry after the refused deletes")
        try expect(try await delete("k", .version(current.version)), "a delete conditioned on the current version to return true")
        try expectEqual(await store.pluginState(plugin: "p", key: "k", now: now), nil, "the entry after its deletion")
        try expect(try await !delete("k", .any), "deleting the deleted entry again to return false")
        let recreated = try await put(store, "k", "new", if: .absent)
        try expect(recreated.version > current.version, "an entry created again after deletion never reuses a version")

        _ = try await put(store, "brief", "x", expiresAt: now.addingTimeInterval(10))
        try expect(try await !delete("brief", .any, at: now.addingTimeInterval(11)), "deleting an expired entry to return false")
        try expect(try await delete("k", .any), "an .any delete of a live entry to return true")
    }

    static let versionsAfterCleanup = StorageConformanceCheck(
        suite, "After removeExpiredPluginState removed an entry, its key never gets a version it had, so a stale compare-and-set fails"
    ) { store in
        let lease = try await put(store, "lock", "a", if: .absent, expiresAt: now.addingTimeInterval(10))
        let removed = try await store.removeExpiredPluginState(before: now.addingTimeInterval(11))
        try expectEqual(removed, 1, "entries removed by the cleanup")
        let later = now.addingTimeInterval(12)
        let reclaimed = try await put(store, "lock", "b", if: .absent, at: later)
        try expect(reclaimed.version > lease.version, "a version greater than the removed entry's")
        let stale = try await store.putPluginState(plugin: "p", key: "lock", value: "x", condition: .version(lease.version), expiresAt: nil, now: later)
        try expectEqual(stale, nil, "a compare-and-set holding the removed entry's version")
    }

    static let values = StorageConformanceCheck(suite, "Values of every JSON kind round-trip") { store in
        let values: [JSONValue] = [
            nil, true, false, 0, .int(Int64.max), .int(Int64.min), -0.5, 1e300, 2.5e-8, "", "ünïcødé \"quoted\" \\ / \n\t\u{1}", [], [:],
            ["list": [1, "two", 3.5, nil, [false]], "object": ["nested": ["deeper": "yes"]], "empty": [:]],
        ]
        for (index, value) in values.enumerated() {
            _ = try await put(store, "v/\(index)", value)
        }
        for (index, value) in values.enumerated() {
            try expectEqual(try await store.pluginState(plugin: "p", key: "v/\(index)", now: now)?.value, value, "value \(index) read back")
        }
        let listed = try await store.pluginStates(plugin: "p", prefix: "v/", after: nil, limit: 100, now: now)
        try expectEqual(Set(listed.map(\.value)), Set(values), "the values listed")
    }

    static let namespaces = StorageConformanceCheck(suite, "Plugins are namespaced: two plugins' entries under one key are separate") { store in
        let a = try await put(store, "k", "a", plugin: "alpha")
        let b = try await put(store, "k", "b", plugin: "beta", if: .absent)
        try expectEqual(b.value, "b", "beta's entry, claimed while alpha has one under the same key")
        let a2 = try await put(store, "k", "a2", plugin: "alpha", if: .version(a.version))
        try expect(a2.version > a.version, "alpha's version grows with its second write")
        try expectEqual(await store.pluginState(plugin: "beta", key: "k", now: now), b, "beta's entry after alpha's writes")
        try expectEqual(await store.pluginStates(plugin: "alpha", prefix: "", after: nil, limit: 10, now: now), [a2], "alpha's entries listed")
        try expect(try await store.deletePluginState(plugin: "alpha", key: "k", condition: .any, now: now), "deleting alpha's entry")
        try expectEqual(await store.pluginState(plugin: "beta", key: "k", now: now), b, "beta's entry after alpha's was deleted")
        try expectEqual(await store.pluginState(plugin: "gamma", key: "k", now: now), nil, "a third plugin's entry under the same key")
    }
}
