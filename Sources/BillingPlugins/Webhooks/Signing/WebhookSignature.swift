import Crypto
import Foundation

/// Standard Webhooks signatures (the scheme Svix uses,
/// https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md):
/// `v1,<base64 of HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`, in the `webhook-signature`
/// header beside `webhook-id` and `webhook-timestamp`.
///
/// ```swift
/// let signature = WebhookSignature.header(id: "msg_1", timestamp: 1_764_590_400, body: body, secrets: [current, previous])
/// request.headers.add(name: WebhookSignature.signatureHeader, value: signature)
/// ```
public enum WebhookSignature {
    /// The header with the message id, stable across retries: the receiver's deduplication key.
    public static let idHeader = "webhook-id"
    /// The header with the attempt's time, whole Unix seconds.
    public static let timestampHeader = "webhook-timestamp"
    /// The header with the signatures, space-separated.
    public static let signatureHeader = "webhook-signature"
    /// The version tag of an HMAC-SHA256 signature.
    public static let version = "v1"

    /// One signature, `v1,<base64>`, of `body` as message `id` at `timestamp`.
    ///
    /// - Parameters:
    ///   - id: The message id. It must not contain `.` (the specification's rule: the signed
    ///     content is `.`-delimited).
    ///   - timestamp: Whole Unix seconds, as written in `webhook-timestamp`.
    ///   - body: Exactly the bytes sent.
    ///   - secret: The endpoint's signing secret.
    public static func sign(id: String, timestamp: Int64, body: [UInt8], secret: WebhookSecret) -> String {
        version + "," + Data(code(id: id, timestamp: timestamp, body: body, key: SymmetricKey(data: secret.key))).base64EncodedString()
    }

    /// The `webhook-signature` value: one signature per secret, in order, separated by single
    /// spaces (during a rotation, the new secret's and the old one's).
    public static func header(id: String, timestamp: Int64, body: [UInt8], secrets: [WebhookSecret]) -> String {
        secrets.map { sign(id: id, timestamp: timestamp, body: body, secret: $0) }.joined(separator: " ")
    }

    /// The HMAC-SHA256 of `"<id>.<timestamp>.<body>"`.
    static func code(id: String, timestamp: Int64, body: [UInt8], key: SymmetricKey) -> HashedAuthenticationCode<SHA256> {
        var hmac = HMAC<SHA256>(key: key)
        hmac.update(data: Array("\(id).\(timestamp).".utf8))
        hmac.update(data: body)
        return hmac.finalize()
    }
}
