import BillingCore
import BillingStore
import Foundation

/// A small, fast, seedable generator (SplitMix64), so every run uses the same data.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Typical `payment.initiated` events: a ~230-byte payload with a Money object,
/// tenant, user, entity, idempotency key and a W3C `traceparent` in the metadata.
enum Fixtures {
    /// 2026-11-28T00:00:00Z; event `i` happens `i` microseconds later.
    static let epoch = Date(timeIntervalSince1970: 1_795_824_000)

    /// The entity id of entity number `index`.
    static func entityId(_ index: Int) -> String {
        "pay_" + padded(index, 8)
    }

    /// Event number `index` of a run. `tag` keeps idempotency keys of separate runs apart.
    ///
    /// - Parameter entity: the entity index (defaults to one entity per event).
    static func event(_ index: Int, tag: String, entity: Int? = nil) -> BillingEvent {
        var random = SplitMix64(seed: UInt64(truncatingIfNeeded: index) &* 0x2545_F491_4F6C_DD1D ^ 0xB111_1175)
        let timestamp = epoch.addingTimeInterval(Double(index) / 1_000_000)
        let entityId = entityId(entity ?? index)
        let userId = "usr_" + padded(Int(random.next() % 50_000), 6)
        let amount = Int64(random.next() % 500_000) + 100
        let currencies = ["USD", "EUR", "GBP", "JPY"]
        let payment: JSONValue = .object([
            "id": .string(entityId),
            "userId": .string(userId),
            "amount": .object(["minorUnits": .int(amount), "currency": .string(currencies[Int(random.next() % 4)])]),
            "status": "pending",
            "method": "card",
            "provider": "stripe",
            "createdAt": .string(Timestamp.format(timestamp)),
        ])
        let payload: JSONValue = .object([
            "payment": payment,
            "paymentMethodId": .string("pm_" + hex(random.next(), digits: 16) + hex(random.next(), digits: 8)),
        ])
        let traceparent = "00-" + hex(random.next(), digits: 16) + hex(random.next(), digits: 16)
            + "-" + hex(random.next(), digits: 16) + "-01"
        return BillingEvent(
            type: .paymentInitiated,
            payload: payload,
            timestamp: timestamp,
            tenantId: "tenant_" + padded(index % 16, 2),
            userId: userId,
            entityId: entityId,
            metadata: ["traceparent": .string(traceparent), "source": "checkout-api"],
            // Client-generated keys are random (UUIDv4-like): unique, in no index order.
            idempotencyKey: "idem-" + tag + "-" + hex(mix(UInt64(index)), digits: 16) + hex(random.next(), digits: 16)
        )
    }

    static func events(_ range: Range<Int>, tag: String) -> [BillingEvent] {
        range.map { event($0, tag: tag) }
    }

    /// A bijection on 64-bit integers (SplitMix64's finalizer): distinct inputs, distinct outputs.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    static func hex(_ value: UInt64, digits: Int) -> String {
        let alphabet = Array("0123456789abcdef".utf8)
        var bytes = [UInt8](repeating: 0, count: digits)
        var remaining = value
        for offset in stride(from: digits - 1, through: 0, by: -1) {
            bytes[offset] = alphabet[Int(remaining & 0xF)]
            remaining >>= 4
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Events pre-encoded exactly as SQLiteEventStore stores them (16 id bytes, canonical
/// JSON text for payload and metadata, microsecond timestamps), packed in one arena so
/// the baseline binds them with `SQLITE_STATIC` and no per-row Swift work.
final class RawRows {
    /// A field's bytes in the arena; `length < 0` is SQL NULL.
    struct Span {
        var offset: Int
        var length: Int
        static let null = Span(offset: 0, length: -1)
    }

    struct Row {
        var id: Span
        var type: Span
        var payload: Span
        var timestamp: Int64
        var tenantId: Span
        var userId: Span
        var entityId: Span
        var metadata: Span
        var idempotencyKey: Span
        var correlationId: Span
        var causationId: Span
        var schemaVersion: Int64
        /// The store's hash of tenant and key (schema 4), computed up front.
        var idempotencyHash: Int64?
    }

    private(set) var rows: [Row] = []
    let arena: UnsafeMutableRawPointer
    private let capacity: Int
    private var used = 0

    /// Average bytes of canonical payload JSON per row.
    private(set) var payloadBytes = 0
    /// Average bytes of canonical metadata JSON per row.
    private(set) var metadataBytes = 0

    init(_ events: [BillingEvent]) {
        let payloads = events.map { CanonicalJSON.encode($0.payload) }
        let metadatas = events.map { CanonicalJSON.encode(.object(JSONObject($0.metadata))) }
        var total = 0
        for (index, event) in events.enumerated() {
            total += 32 + payloads[index].count + metadatas[index].count + event.type.rawValue.utf8.count
            for text in [event.tenantId, event.userId, event.entityId, event.idempotencyKey, event.correlationId] {
                total += text?.utf8.count ?? 0
            }
        }
        capacity = max(1, total)
        arena = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        rows.reserveCapacity(events.count)
        var payloadTotal = 0
        var metadataTotal = 0
        for (index, event) in events.enumerated() {
            payloadTotal += payloads[index].count
            metadataTotal += metadatas[index].count
            rows.append(Row(
                id: store(Self.idBytes(event.id)),
                type: store(Array(event.type.rawValue.utf8)),
                payload: store(payloads[index]),
                timestamp: Timestamp.microseconds(event.timestamp),
                tenantId: store(event.tenantId.map { Array($0.utf8) }),
                userId: store(event.userId.map { Array($0.utf8) }),
                entityId: store(event.entityId.map { Array($0.utf8) }),
                metadata: store(metadatas[index]),
                idempotencyKey: store(event.idempotencyKey.map { Array($0.utf8) }),
                correlationId: store(event.correlationId.map { Array($0.utf8) }),
                causationId: store(event.causationId.map(Self.idBytes)),
                schemaVersion: Int64(event.schemaVersion),
                idempotencyHash: event.idempotencyKey.map { idempotencyHash(tenantId: event.tenantId, key: $0) }
            ))
        }
        payloadBytes = events.isEmpty ? 0 : payloadTotal / events.count
        metadataBytes = events.isEmpty ? 0 : metadataTotal / events.count
    }

    deinit {
        arena.deallocate()
    }

    /// The 16 bytes the store keeps for an id (UUID byte order).
    static func idBytes(_ id: EventID) -> [UInt8] {
        withUnsafeBytes(of: id.uuid.uuid) { Array($0) }
    }

    private func store(_ bytes: [UInt8]?) -> Span {
        guard let bytes else { return .null }
        precondition(used + bytes.count <= capacity, "arena overflow")
        let span = Span(offset: used, length: bytes.count)
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress {
                (arena + used).copyMemory(from: base, byteCount: bytes.count)
            }
        }
        used += bytes.count
        return span
    }
}

/// Appends `total` fixture events with `store.append` in batches, two appenders so
/// encoding overlaps commits. With `entities`, event *i* is about entity *i* mod `entities`.
func fillStore(_ store: SQLiteEventStore, total: Int, batch: Int, tag: String, entities: Int? = nil) async throws -> Double {
    let batches = (total + batch - 1) / batch
    let (_, seconds) = try await timedAsync {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<2 {
                group.addTask {
                    var index = worker
                    while index < batches {
                        let range = (index * batch)..<min(total, (index + 1) * batch)
                        _ = try await store.append(range.map { index in Fixtures.event(index, tag: tag, entity: entities.map { index % $0 }) })
                        index += 2
                    }
                }
            }
            try await group.waitForAll()
        }
    }
    return seconds
}
