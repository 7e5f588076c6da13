import Crypto

/// The SHA-256 of `text`'s UTF-8 as 64 lowercase hex digits: how plugins turn an unbounded
/// key (an idempotency key, a notification id) into a fixed-length, printable one.
func sha256Hex(_ text: String) -> String {
    sha256Hex(bytes: Array(text.utf8))
}

/// The SHA-256 of `bytes` as 64 lowercase hex digits.
func sha256Hex(bytes: [UInt8]) -> String {
    Hex.encode(SHA256.hash(data: bytes))
}
