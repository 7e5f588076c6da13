public import Foundation
import Synchronization

/// An event's identifier: a UUID, and for events Bilingus creates a time-ordered
/// UUIDv7 (RFC 9562), so ids sort roughly by creation time and index well.
///
/// Within one process, ids from ``generate()`` are strictly increasing even when several
/// are made in the same millisecond or the wall clock steps backwards (RFC 9562 §6.2,
/// method 2: the random bits act as a counter). They always come from the wall clock,
/// never from an event's own timestamp, which a caller may set to any date.
public struct EventID: Hashable, Sendable, Comparable, Codable, CustomStringConvertible, LosslessStringConvertible {
    /// The underlying UUID.
    public let uuid: UUID

    /// Wraps an existing UUID (any version).
    public init(uuid: UUID) {
        self.uuid = uuid
    }

    /// Parses a UUID string such as `01936f5e-8f5c-7abc-8def-0123456789ab`.
    public init?(_ description: String) {
        guard let uuid = UUID(uuidString: description) else { return nil }
        self.uuid = uuid
    }

    /// Makes a new time-ordered UUIDv7 from the wall clock, greater than every id this
    /// process generated before.
    public static func generate() -> EventID {
        UUIDv7Generator.shared.next(milliseconds: milliseconds(Date()))
    }

    /// Makes a UUIDv7 carrying `date`'s millisecond (clamped to what 48 bits hold) and
    /// random bits. It leaves the process's ordering alone: ids made by ``generate()``
    /// afterwards do not inherit a far-future `date`, and ids for one `date` are unique
    /// but not ordered among themselves.
    public static func generate(at date: Date) -> EventID {
        UUIDv7Generator.make(milliseconds: milliseconds(date), randA: .random(in: 0...0xFFF), randB: .random(in: 0...(1 << 62) - 1))
    }

    /// Milliseconds since the epoch, clamped to 0...2⁴⁸−1 (NaN is 0); never traps.
    private static func milliseconds(_ date: Date) -> UInt64 {
        let value = (date.timeIntervalSince1970 * 1000).rounded(.down)
        guard value > 0 else { return 0 }  // also NaN
        return UInt64(min(value, Double(UInt64(1) << 48 - 1)))
    }

    /// Reads the 16 raw bytes of a UUID (the form storage backends keep).
    package init?(bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count == 16 else { return nil }
        var raw: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &raw) { $0.copyMemory(from: UnsafeRawBufferPointer(bytes)) }
        uuid = UUID(uuid: raw)
    }

    /// The 16 raw bytes, in UUID byte order (so they sort like the id).
    package var bytes: [UInt8] {
        withUnsafeBytes(of: uuid.uuid) { Array($0) }
    }

    /// The lowercase hyphenated form.
    public var description: String {
        // By hand: `uuidString.lowercased()` costs two strings per id, on every log
        // line, span and error that names an event.
        withUnsafeBytes(of: uuid.uuid) { raw in
            String(unsafeUninitializedCapacity: 36) { text in
                var position = 0
                for (offset, byte) in raw.enumerated() {
                    if offset == 4 || offset == 6 || offset == 8 || offset == 10 {
                        text[position] = UInt8(ascii: "-")
                        position += 1
                    }
                    text[position] = Self.hexDigit(byte >> 4)
                    text[position + 1] = Self.hexDigit(byte & 0x0F)
                    position += 2
                }
                return position
            }
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    /// The millisecond timestamp embedded in a UUIDv7, or `nil` for other versions.
    public var timestamp: Date? {
        let bytes = uuid.uuid
        guard bytes.6 >> 4 == 7 else { return nil }
        let milliseconds = [bytes.0, bytes.1, bytes.2, bytes.3, bytes.4, bytes.5].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    public static func < (lhs: EventID, rhs: EventID) -> Bool {
        withUnsafeBytes(of: lhs.uuid.uuid) { left in
            withUnsafeBytes(of: rhs.uuid.uuid) { right in
                left.lexicographicallyPrecedes(right)
            }
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let id = EventID(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "Not a UUID")
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Process-wide monotonic UUIDv7 state.
final class UUIDv7Generator: Sendable {
    static let shared = UUIDv7Generator()

    private struct State {
        var milliseconds: UInt64 = 0
        /// 12 bits of rand_a followed by 62 bits of rand_b, used as a 74-bit counter.
        var randA: UInt16 = 0
        var randB: UInt64 = 0
    }

    private let state = Locked(State())

    func next(milliseconds now: UInt64) -> EventID {
        let (milliseconds, randA, randB) = state.withLock { state -> (UInt64, UInt16, UInt64) in
            if now > state.milliseconds {
                state.milliseconds = now
                // Leave headroom in rand_a so a burst within one millisecond rarely carries into the clock.
                state.randA = UInt16.random(in: 0...0x7FF)
                state.randB = UInt64.random(in: 0...(1 << 62) - 1)
            } else {
                // Same millisecond or a clock step backwards: keep the last timestamp and count up.
                state.randB += 1
                if state.randB >= 1 << 62 {
                    state.randB = 0
                    state.randA += 1
                    if state.randA > 0xFFF {
                        state.randA = 0
                        state.milliseconds += 1
                    }
                }
            }
            return (state.milliseconds, state.randA, state.randB)
        }
        return Self.make(milliseconds: milliseconds, randA: randA, randB: randB)
    }

    static func make(milliseconds: UInt64, randA: UInt16, randB: UInt64) -> EventID {
        var bytes = [UInt8](repeating: 0, count: 16)
        for offset in 0..<6 {
            bytes[offset] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - offset)))
        }
        bytes[6] = 0x70 | UInt8(truncatingIfNeeded: randA >> 8)
        bytes[7] = UInt8(truncatingIfNeeded: randA)
        bytes[8] = 0x80 | UInt8(truncatingIfNeeded: randB >> 56)
        for offset in 9..<16 {
            bytes[offset] = UInt8(truncatingIfNeeded: randB >> (8 * (15 - offset)))
        }
        let uuid = UUID(uuid: (
            bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
            bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
        ))
        return EventID(uuid: uuid)
    }
}
