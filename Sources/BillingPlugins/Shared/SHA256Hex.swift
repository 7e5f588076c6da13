import Crypto

/// The SHA-256 of `text`'s UTF-8 as 64 lowercase hex digits: how plugins turn an unbounded
/// key (an idempotency key, a notification id) into a fixed-length, printable one.
func sha256Hex(_ text: String) -> String {
    sha256Hex(bytes: Array(text.utf8))
}

/// The SHA-256 of `bytes` as 64 lowercase hex digits.
func sha256Hex(bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var hex: [UInt8] = []
    hex.reserveCapacity(64)
    for byte in SHA256.hash(data: bytes) {
        hex.append(digits[Int(byte >> 4)])
        hex.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: hex, as: UTF8.self)
}
