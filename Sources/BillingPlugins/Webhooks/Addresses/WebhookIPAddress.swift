#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address, as the SSRF guard checks it and the delivery connects to it.
///
/// Text is parsed and printed by the C library (`inet_pton`, `inet_ntop`), never by hand.
struct WebhookIPAddress: Hashable, Sendable, CustomStringConvertible {
    /// The address in network byte order: 4 bytes for IPv4, 16 for IPv6.
    let bytes: [UInt8]

    /// An address from its bytes, 4 or 16 of them.
    init(bytes: [UInt8]) {
        precondition(bytes.count == 4 || bytes.count == 16, "An IP address has 4 or 16 bytes")
        self.bytes = bytes
    }

    /// The address `text` in the forms `inet_pton` accepts: dotted decimal for IPv4
    /// (`10.0.0.5`, not `10.5` or `0x0a.0.0.5`) and RFC 4291 text for IPv6 (`::ffff:10.0.0.5`),
    /// without brackets or a zone. Nil when it is neither.
    init?(_ text: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self.init(bytes: withUnsafeBytes(of: &v4) { Array($0) })
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            self.init(bytes: withUnsafeBytes(of: &v6) { Array($0) })
            return
        }
        return nil
    }

    /// The address of a `sockaddr_in` or `sockaddr_in6`, as `getaddrinfo` returns them; nil
    /// for another family.
    init?(socketAddress: UnsafePointer<sockaddr>) {
        switch Int32(socketAddress.pointee.sa_family) {
        case AF_INET:
            let address = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
            self.init(bytes: withUnsafeBytes(of: address) { Array($0) })
        case AF_INET6:
            let address = socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
            self.init(bytes: withUnsafeBytes(of: address) { Array($0) })
        default:
            return nil
        }
    }

    /// Whether this is an IPv4 address.
    var isIPv4: Bool { bytes.count == 4 }

    /// Whether the first `length` bits equal those of `prefix` (of the same family).
    func isIn(_ prefix: WebhookIPAddress, length: Int) -> Bool {
        guard prefix.bytes.count == bytes.count else {
            return false
        }
        let whole = length / 8
        guard bytes[..<whole] == prefix.bytes[..<whole] else {
            return false
        }
        let rest = length % 8
        guard rest > 0 else {
            return true
        }
        let mask = UInt8(0xFF) << (8 - rest)
        return bytes[whole] & mask == prefix.bytes[whole] & mask
    }

    /// The IPv4 address in bytes `offset..<offset + 4` of this IPv6 address.
    func embeddedIPv4(at offset: Int) -> WebhookIPAddress {
        WebhookIPAddress(bytes: Array(bytes[offset..<offset + 4]))
    }

    /// The address as `inet_ntop` writes it (`10.0.0.5`, `::ffff:10.0.0.5`, `fe80::1`).
    var description: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let written = bytes.withUnsafeBytes { address in
            inet_ntop(isIPv4 ? AF_INET : AF_INET6, address.baseAddress, &text, socklen_t(text.count))
        }
        guard written != nil else {
            return bytes.map { String($0) }.joined(separator: ".")  // unreachable: 4 or 16 bytes always print
        }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
