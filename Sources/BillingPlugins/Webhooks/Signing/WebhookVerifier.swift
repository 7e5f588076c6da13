import Crypto
public import Foundation

/// Checks a Standard Webhooks request on the receiving side: the three `webhook-*` headers,
/// the timestamp within a tolerance, and a `v1` signature made with one of the secrets.
///
/// ```swift
/// let verifier = WebhookVerifier(secrets: [try WebhookSecret(configuredSecret)])
/// do {
///     let webhook = try verifier.verify(body: body, headers: headers, now: Date())
///     guard try await seen.insert(webhook.id) else { return .ok }  // deduplicate on the id
///     // handle the body
/// } catch {
///     return .badRequest
/// }
/// ```
public struct WebhookVerifier: Sendable {
    /// The specification's default: five minutes either side of now.
    public static let defaultTolerance: Duration = .seconds(300)

    private let keys: [SymmetricKey]
    private let tolerance: Duration

    /// A verifier accepting a signature by any of `secrets` (several while a sender rotates its
    /// secret), with a timestamp at most `tolerance` from now, past or future.
    public init(secrets: [WebhookSecret], tolerance: Duration = defaultTolerance) {
        keys = secrets.map { SymmetricKey(data: $0.key) }
        self.tolerance = tolerance
    }

    /// Verifies a request.
    ///
    /// Header names are matched regardless of case (a lowercase name wins if a dictionary holds
    /// one in several cases). `webhook-signature` may hold several signatures separated by
    /// spaces; extra spaces are fine, versions other than `v1` (such as `v1a`) are ignored, and
    /// any `v1` signature made with any of the secrets is enough. Signatures are compared in
    /// constant time.
    ///
    /// - Parameters:
    ///   - body: The raw request body, byte for byte (not re-encoded JSON).
    ///   - headers: The request's headers.
    ///   - now: The current time (injected, so tests are deterministic).
    /// - Returns: The message id, to deduplicate on, and the attempt's timestamp.
    /// - Throws: ``WebhookVerificationError``, whose ``WebhookVerificationError/billingError`` is
    ///   `webhook.signature_invalid`.
    @discardableResult
    public func verify(body: [UInt8], headers: [String: String], now: Date) throws(WebhookVerificationError) -> VerifiedWebhook {
        let id = try Self.header(WebhookSignature.idHeader, in: headers)
        let timestampText = try Self.header(WebhookSignature.timestampHeader, in: headers)
        let signatures = try Self.header(WebhookSignature.signatureHeader, in: headers)
        let timestamp = try Self.parseTimestamp(timestampText)
        switch SignedTimestampWindow(timestamp: timestamp, now: now, tolerance: tolerance) {
        case .within:
            break
        case .tooOld(let seconds):
            throw WebhookVerificationError(.timestampTooOld, "The webhook-timestamp is \(seconds) s old, beyond the tolerance of \(tolerance.components.seconds) s")
        case .tooNew(let seconds):
            throw WebhookVerificationError(
                .timestampTooNew, "The webhook-timestamp is \(seconds) s in the future, beyond the tolerance of \(tolerance.components.seconds) s")
        }
        try match(signatures, codes: keys.map { WebhookSignature.code(id: id, timestamp: timestamp, body: body, key: $0) })
        return VerifiedWebhook(id: id, timestamp: timestamp)
    }

    /// Succeeds when some `v1` entry of `header` equals one of `codes`.
    private func match(_ header: String, codes: [HashedAuthenticationCode<SHA256>]) throws(WebhookVerificationError) {
        var malformed = 0
        var candidates = 0
        for entry in header.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            guard let comma = entry.firstIndex(of: ","), comma != entry.startIndex, entry.index(after: comma) != entry.endIndex else {
                malformed += 1
                continue
            }
            guard entry[..<comma] == WebhookSignature.version else {
                continue  // v1a (asymmetric) and versions to come
            }
            guard let bytes = Data(base64Encoded: String(entry[entry.index(after: comma)...])), bytes.count == SHA256.byteCount else {
                malformed += 1
                continue
            }
            candidates += 1
            // HashedAuthenticationCode's == with bytes is swift-crypto's constant-time compare.
            if codes.contains(where: { $0 == bytes }) {
                return
            }
        }
        if malformed > 0 {
            throw WebhookVerificationError(
                .malformedSignature,
                "No signature in the webhook-signature header matched, and \(malformed) of its entries \(malformed == 1 ? "is" : "are") malformed (expected '<version>,<signature>', for v1 the base64 of 32 bytes)")
        }
        if keys.isEmpty {
            throw WebhookVerificationError(.noSignatureMatched, "No webhook signing secret is configured, so no signature can be verified")
        }
        if candidates == 0 {
            throw WebhookVerificationError(.noSignatureMatched, "The webhook-signature header has no v1 signature")
        }
        throw WebhookVerificationError(
            .noSignatureMatched, "No v1 signature in the webhook-signature header (\(candidates)) matches the configured signing secrets (\(keys.count))")
    }

    /// The non-empty value of header `name` (lowercase), matched regardless of case.
    private static func header(_ name: String, in headers: [String: String]) throws(WebhookVerificationError) -> String {
        let value = headers[name] ?? headers.filter { $0.key.lowercased() == name }.min { $0.key < $1.key }?.value
        guard let value, !value.isEmpty else {
            throw WebhookVerificationError(.missingHeader(name), "The \(name) header is missing")
        }
        return value
    }

    /// Whole Unix seconds: 1 to 19 ASCII digits that fit Int64, spaces around them allowed.
    private static func parseTimestamp(_ text: String) throws(WebhookVerificationError) -> Int64 {
        let digits = text.trimmingCharacters(in: .whitespaces)
        guard (1...19).contains(digits.utf8.count), digits.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            let seconds = Int64(digits)
        else {
            throw WebhookVerificationError(.malformedTimestamp, "The webhook-timestamp header is not whole Unix seconds")
        }
        return seconds
    }
}

/// A request ``WebhookVerifier`` accepted.
public struct VerifiedWebhook: Sendable, Hashable {
    /// `webhook-id`: the same for every attempt of one message, so the key to deduplicate on.
    public var id: String
    /// `webhook-timestamp`: when this attempt was signed, whole Unix seconds.
    public var timestamp: Int64

    /// Creates the result of a verification.
    public init(id: String, timestamp: Int64) {
        self.id = id
        self.timestamp = timestamp
    }

    /// ``timestamp`` as a date.
    public var date: Date { Date(timeIntervalSince1970: TimeInterval(timestamp)) }
}
