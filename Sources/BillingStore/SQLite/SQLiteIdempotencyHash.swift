/// The 8-byte hash of (tenant, idempotency key) that the `events_idempotency` index holds.
///
/// An index on 8 bytes instead of the key's text dirties fewer index pages per row; the
/// hash is only a filter: a lookup compares the tenant and the key themselves, so two
/// keys with the same hash are both stored and neither is taken for the other.
///
/// FNV-1a over the tenant's UTF-8 bytes (a missing tenant is `""`, as the index always
/// treated it), a 0xFF byte (never part of UTF-8, so tenant `"ab"` + key `"c"` and tenant
/// `"a"` + key `"bc"` differ), and the key's bytes. It is written into the file, so it
/// must never change: the same inputs give the same value in every process and version.
enum SQLiteIdempotencyHash {
    static func hash(tenantId: String?, key: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        for byte in (tenantId ?? "").utf8 { mix(byte) }
        mix(0xFF)
        for byte in key.utf8 { mix(byte) }
        return Int64(bitPattern: hash)
    }
}
