import Foundation

// Strings in JSON are compared, ordered and hashed by their UTF-8 bytes (the same
// order as their Unicode scalars), never by Swift's canonical equivalence: two strings
// are equal exactly when their canonical JSON bytes are.

/// The order of two strings' UTF-8 bytes: negative, zero or positive.
func utf8Compare(_ lhs: String, _ rhs: String) -> Int {
    var lhs = lhs
    var rhs = rhs
    return lhs.withUTF8 { left in
        rhs.withUTF8 { right in
            let common = min(left.count, right.count)
            if common > 0, let l = left.baseAddress, let r = right.baseAddress {
                let order = memcmp(l, r, common)
                if order != 0 { return Int(order) }
            }
            return left.count - right.count
        }
    }
}

/// Orders strings by their UTF-8 bytes, the canonical key order.
func utf8Precedes(_ lhs: String, _ rhs: String) -> Bool {
    utf8Compare(lhs, rhs) < 0
}

/// Whether two strings have the same UTF-8 bytes.
func utf8Equal(_ lhs: String, _ rhs: String) -> Bool {
    lhs.utf8.count == rhs.utf8.count && utf8Compare(lhs, rhs) == 0
}

/// Hashes a string's UTF-8 bytes (and their count, so concatenations differ).
func hashUTF8(_ text: String, into hasher: inout Hasher) {
    var text = text
    text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    hasher.combine(text.utf8.count)
}
