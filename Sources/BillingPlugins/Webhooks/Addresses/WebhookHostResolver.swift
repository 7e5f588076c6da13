import BillingCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns a host name into every address it has, for the SSRF guard to check them all.
///
/// The system resolver calls `getaddrinfo`, which blocks, on NIO's shared thread pool so it never
/// holds a thread of Swift's cooperative pool. Tests give their own.
struct WebhookHostResolver: Sendable {
    /// Every address of the host, or a `BillingError` `webhook.url_unresolvable`.
    let resolve: @Sendable (_ host: String) async throws -> [WebhookIPAddress]

    init(resolve: @escaping @Sendable (_ host: String) async throws -> [WebhookIPAddress]) {
        self.resolve = resolve
    }

    /// `getaddrinfo` (files, DNS, whatever the system is configured with), off the cooperative pool.
    static let system = WebhookHostResolver { host in
        try await NIOThreadPool.singleton.runIfActive { try addresses(of: host) }
    }

    /// Every IPv4 and IPv6 address `getaddrinfo` gives for `host`, deduplicated, in its order.
    /// No `AI_ADDRCONFIG`: an address family this machine lacks is still checked.
    static func addresses(of host: String) throws -> [WebhookIPAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc) || canImport(Musl)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0 else {
            let reason = String(cString: gai_strerror(status))
            throw BillingError(.webhookURLUnresolvable, "The webhook URL's host \(host) does not resolve: \(reason)", field: "url")
        }
        defer { freeaddrinfo(list) }
        var found: [WebhookIPAddress] = []
        var entry = list
        while let current = entry {
            if let socketAddress = current.pointee.ai_addr, let address = WebhookIPAddress(socketAddress: UnsafePointer(socketAddress)), !found.contains(address) {
                found.append(address)
            }
            entry = current.pointee.ai_next
        }
        guard !found.isEmpty else {
            throw BillingError(.webhookURLUnresolvable, "The webhook URL's host \(host) has no IPv4 or IPv6 address", field: "url")
        }
        return found
    }
}
