import BillingCore
import Foundation

/// An endpoint's Standard Webhooks signing secret: `whsec_` followed by the base64 of
/// 24 to 64 random bytes, the HMAC-SHA256 key.
///
/// It prints as `whsec_***` everywhere (descriptions, string interpolation, `dump`);
/// only ``reveal()`` gives the text, where it is shown to the endpoint's owner once.
///
/// ```swift
/// var random = SystemRandomNumberGenerator()
/// let secret = try WebhookSecret.generate(using: &random)
/// let same = try WebhookSecret(secret.reveal())
/// ```
public struct WebhookSecret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The prefix every serialized secret starts with.
    public static let prefix = "whsec_"
    /// The key lengths accepted, in bytes: the specification's 192 to 512 bits.
    public static let byteCounts: ClosedRange<Int> = 24...64

    /// The HMAC-SHA256 key: the decoded bytes after `whsec_`.
    public let key: [UInt8]

    /// Parses `whsec_<base64>` (the standard alphabet, padding optional).
    ///
    /// - Throws: `BillingError` `invalid.argument` with field `secret` when the prefix is
    ///   missing, the rest is not base64, or the key is not 24 to 64 bytes. The message never
    ///   contains the text.
    public init(_ text: String) throws {
        guard text.hasPrefix(Self.prefix) else {
            throw Self.invalid("A webhook secret must start with '\(Self.prefix)'")
        }
        guard let key = Self.decodeBase64(text.dropFirst(Self.prefix.count)) else {
            throw Self.invalid("A webhook secret must be '\(Self.prefix)' followed by standard base64")
        }
        guard Self.byteCounts.contains(key.count) else {
            throw Self.invalid("A webhook secret's key must be \(Self.byteCounts.lowerBound) to \(Self.byteCounts.upperBound) bytes; this one has \(key.count)")
        }
        self.key = key
    }

    private init(key: [UInt8]) {
        self.key = key
    }

    /// A new secret of `byteCount` bytes drawn from `generator` (use
    /// `SystemRandomNumberGenerator` outside tests: it is cryptographically secure).
    ///
    /// - Throws: `BillingError` `invalid.argument` with field `byteCount` when it is not 24 to 64.
    public static func generate(byteCount: Int = 32, using generator: inout some RandomNumberGenerator) throws -> WebhookSecret {
        guard byteCounts.contains(byteCount) else {
            throw BillingError(
                .invalidArgument, "A webhook secret must have \(byteCounts.lowerBound) to \(byteCounts.upperBound) random bytes, not \(byteCount)",
                field: "byteCount")
        }
        var key: [UInt8] = []
        key.reserveCapacity(byteCount + 7)
        while key.count < byteCount {
            withUnsafeBytes(of: generator.next() as UInt64) { key.append(contentsOf: $0) }
        }
        return WebhookSecret(key: Array(key.prefix(byteCount)))
    }

    /// The serialized secret, `whsec_` and padded standard base64. Call it only where the
    /// secret is shown to its owner or stored sealed, never to log.
    public func reveal() -> String {
        Self.prefix + Data(key).base64EncodedString()
    }

    public var description: String { "\(Self.prefix)***" }
    public var debugDescription: String { "WebhookSecret(\(Self.prefix)***)" }
    /// No children, so `dump` shows ``debugDescription`` and not the key.
    public var customMirror: Mirror { Mirror(self, children: []) }

    /// Standard base64 with or without its `=` padding; nil for anything else (whitespace,
    /// the URL-safe alphabet, misplaced padding).
    private static func decodeBase64(_ text: Substring) -> [UInt8]? {
        guard !text.isEmpty, text.utf8.count % 4 != 1 else {
            return nil
        }
        let padded = text.utf8.count % 4 == 0 ? String(text) : text + String(repeating: "=", count: 4 - text.utf8.count % 4)
        return Data(base64Encoded: padded).map { Array($0) }
    }

    private static func invalid(_ message: String) -> BillingError {
        BillingError(.invalidArgument, message, field: "secret")
    }
}
