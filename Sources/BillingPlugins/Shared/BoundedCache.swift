import BillingCore

/// Values kept in memory by key, at most `limit` of them: past it the cache starts again, so
/// keys no longer used (deleted endpoints, old events) do not pile up. For values that never
/// change under their key, where a miss costs only the work of making the value again.
final class BoundedCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    let limit: Int
    private let values = Locked<[Key: Value]>([:])

    init(limit: Int) {
        self.limit = limit
    }

    subscript(key: Key) -> Value? {
        values.withLock { $0[key] }
    }

    /// Keeps `value` under `key`.
    func keep(_ value: Value, for key: Key) {
        values.withLock { values in
            if values.count >= limit { values.removeAll() }
            values[key] = value
        }
    }
}
