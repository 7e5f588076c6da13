import Foundation

/// The one JSON encoding Bilingus uses wherever events are serialized: storage,
/// webhooks, audit hashes and signatures.
///
/// The rules, so that the same value always gives the same bytes:
/// - object keys sorted by their UTF-8 bytes (``JSONObject`` keeps them in that
///   order), no insignificant whitespace;
/// - strings escape only `"`, `\` and control characters (as `\n`, `\t`, … or `\u00XX`);
///   everything else, `/` and non-ASCII included, is written as raw UTF-8;
/// - integers (`.int`) in plain decimal; doubles in Swift's shortest round-trip form,
///   which always shows a double: `1.0`, `-0.0`, `1e+20`, `0.1`;
/// - timestamps as UTC ISO 8601 with exactly six fractional digits
///   (`2026-11-28T19:40:49.123456Z`); events keep microsecond precision for that reason.
public enum CanonicalJSON {
    /// Serializes a value to canonical UTF-8 bytes.
    public static func encode(_ value: JSONValue) -> [UInt8] {
        var writer = CanonicalWriter(maxDepth: .max, rejectsNonFinite: false)
        do {
            try writer.write(value, depth: 0)
        } catch {
            // Unreachable: a writer without limits has nothing to refuse.
        }
        return writer.bytes
    }

    /// Serializes a value to canonical UTF-8 bytes, checking it in the same pass: what
    /// validation needs (the size is the count of the bytes), without a second walk.
    ///
    /// - Throws: ``BillingError`` coded `limit.exceeded` if nesting is deeper than
    ///   `maxDepth`, or `invalid.argument` for a NaN or infinite number.
    public static func encode(_ value: JSONValue, maxDepth: Int) throws -> [UInt8] {
        var writer = CanonicalWriter(maxDepth: maxDepth, rejectsNonFinite: true)
        try writer.write(value, depth: 0)
        return writer.bytes
    }

    /// Serializes a value to a canonical JSON string.
    public static func string(_ value: JSONValue) -> String {
        String(decoding: encode(value), as: UTF8.self)
    }

    /// Parses JSON text. Invalid UTF-8, trailing data, duplicate object keys and nesting
    /// deeper than `maxDepth` are rejected with a ``BillingError`` coded `parse.failure`.
    public static func decode(_ bytes: some Collection<UInt8>, maxDepth: Int = 128) throws -> JSONValue {
        let buffer = Array(bytes)
        return try buffer.withUnsafeBufferPointer { pointer in
            var parser = JSONParser(bytes: pointer, maxDepth: maxDepth)
            return try parser.parseDocument()
        }
    }

    /// Parses JSON text in place, without copying it (storage backends read columns this way).
    package static func decode(buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int = 128) throws -> JSONValue {
        var parser = JSONParser(bytes: buffer, maxDepth: maxDepth)
        return try parser.parseDocument()
    }

    /// Parses JSON text from a string.
    public static func decode(_ text: String, maxDepth: Int = 128) throws -> JSONValue {
        try decode(Array(text.utf8), maxDepth: maxDepth)
    }

    /// Converts any `Encodable` value (a typed payload, say) to a ``JSONValue``.
    ///
    /// Dates become canonical timestamps; `Money` keeps its integer minor units. The
    /// value is built directly, with the result JSONEncoder's text parsed back would
    /// give, except that an integer beyond 64 bits is an error rather than a rounded
    /// double and a ``JSONValue`` inside is kept as it is.
    public static func value(from encodable: some Encodable) throws -> JSONValue {
        do {
            return try JSONValueEncoder.encode(encodable)
        } catch let error as BillingError {
            throw error
        } catch {
            throw BillingError(.payloadMismatch, "Could not encode \(type(of: encodable)) as JSON", underlying: error)
        }
    }

    /// Decodes a `Decodable` value (a typed payload, say) from a ``JSONValue``.
    ///
    /// The value is read directly, accepting what JSONDecoder would accept from the
    /// value's canonical text; a ``JSONValue`` inside is returned as it is.
    public static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        do {
            return try JSONValueDecoder.decode(T.self, from: value)
        } catch {
            throw BillingError(.payloadMismatch, "Payload does not decode as \(T.self)", underlying: error)
        }
    }
}

// MARK: - Writer

struct CanonicalWriter {
    var bytes: [UInt8] = []
    private let maxDepth: Int
    private let rejectsNonFinite: Bool

    init(maxDepth: Int, rejectsNonFinite: Bool) {
        self.maxDepth = maxDepth
        self.rejectsNonFinite = rejectsNonFinite
        bytes.reserveCapacity(256)
    }

    mutating func write(_ value: JSONValue, depth: Int) throws(BillingError) {
        switch value {
        case .null:
            bytes.append(contentsOf: "null".utf8)
        case .bool(let flag):
            bytes.append(contentsOf: (flag ? "true" : "false").utf8)
        case .int(let number):
            bytes.append(contentsOf: String(number).utf8)
        case .double(let number):
            try writeDouble(number)
        case .string(let text):
            writeString(text)
        case .array(let elements):
            try enter(depth)
            bytes.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                try write(element, depth: depth + 1)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            try enter(depth)
            bytes.append(UInt8(ascii: "{"))
            // Members are already in canonical order.
            for index in members.indices {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                let member = members[index]
                writeString(member.key)
                bytes.append(UInt8(ascii: ":"))
                try write(member.value, depth: depth + 1)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private func enter(_ depth: Int) throws(BillingError) {
        guard depth < maxDepth else {
            throw BillingError(.limitExceeded, "JSON nesting is deeper than \(maxDepth)")
        }
    }

    private mutating func writeDouble(_ number: Double) throws(BillingError) {
        guard number.isFinite else {
            if rejectsNonFinite {
                throw BillingError(.invalidArgument, "JSON cannot hold NaN or infinite numbers")
            }
            // Writing null keeps the output valid JSON on an unchecked path.
            bytes.append(contentsOf: "null".utf8)
            return
        }
        bytes.append(contentsOf: number.description.utf8)
    }

    mutating func writeString(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            // Copy runs of bytes that need no escape in bulk; most strings are one run.
            var runStart = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                appendEscape(for: byte)
                runStart = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendEscape(for byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
        case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
        case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
        case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
        case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
        case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
        case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
        default:
            let hex = Array("0123456789abcdef".utf8)
            bytes.append(contentsOf: [
                UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                hex[Int(byte >> 4)], hex[Int(byte & 0x0F)],
            ])
        }
    }
}

// MARK: - Measuring without encoding

extension CanonicalJSON {
    /// The length in bytes of `value`'s canonical encoding, computed without building it.
    ///
    /// - Throws: ``BillingError`` coded `limit.exceeded` if nesting is deeper than
    ///   `maxDepth`, or `invalid.argument` for a NaN or infinite number, which JSON
    ///   cannot represent.
    public static func encodedSize(of value: JSONValue, maxDepth: Int) throws -> Int {
        try encodedSize(of: value, depth: 0, maxDepth: maxDepth)
    }

    private static func encodedSize(of value: JSONValue, depth: Int, maxDepth: Int) throws -> Int {
        switch value {
        case .null: return 4
        case .bool(let flag): return flag ? 4 : 5
        case .int(let number): return decimalLength(number)
        case .double(let number):
            guard number.isFinite else {
                throw BillingError(.invalidArgument, "JSON cannot hold NaN or infinite numbers")
            }
            return number.description.utf8.count
        case .string(let text): return stringSize(text)
        case .array(let elements):
            guard depth < maxDepth else {
                throw BillingError(.limitExceeded, "JSON nesting is deeper than \(maxDepth)")
            }
            var size = 2 + max(0, elements.count - 1)
            for element in elements {
                size += try encodedSize(of: element, depth: depth + 1, maxDepth: maxDepth)
            }
            return size
        case .object(let members):
            guard depth < maxDepth else {
                throw BillingError(.limitExceeded, "JSON nesting is deeper than \(maxDepth)")
            }
            var size = 2 + max(0, members.count - 1) + members.count  // braces, commas, colons
            for (key, member) in members {
                size += stringSize(key)
                size += try encodedSize(of: member, depth: depth + 1, maxDepth: maxDepth)
            }
            return size
        }
    }

    private static func stringSize(_ text: String) -> Int {
        var text = text
        return text.withUTF8 { utf8 in
            var size = 2 + utf8.count
            for byte in utf8 where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x08, 0x09, 0x0A, 0x0C, 0x0D: size += 1
                default: size += 5
                }
            }
            return size
        }
    }

    private static func decimalLength(_ number: Int64) -> Int {
        if number == .min { return 20 }
        var magnitude = number < 0 ? -number : number
        var length = number < 0 ? 2 : 1
        while magnitude >= 10 {
            magnitude /= 10
            length += 1
        }
        return length
    }
}
