public import BillingCore

/// Why ``WebhookVerifier`` refused a request. Answer it with 400 or 401 and process nothing.
///
/// Its message names the header and the failure, never a secret, a signature or the body.
/// ``billingError`` is the same failure as `webhook.signature_invalid`.
public struct WebhookVerificationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What failed.
    public enum Kind: Sendable, Hashable {
        /// The header with this (lowercase) name is absent or empty.
        case missingHeader(String)
        /// `webhook-timestamp` is not whole, non-negative Unix seconds.
        case malformedTimestamp
        /// `webhook-timestamp` is older than the tolerance allows: a replay, or a slow clock.
        case timestampTooOld
        /// `webhook-timestamp` is further ahead than the tolerance allows.
        case timestampTooNew
        /// No `v1` signature matches any of the secrets (or there is no `v1` signature at all).
        case noSignatureMatched
        /// No signature matched, and some entry of `webhook-signature` is not `<version>,<signature>`
        /// or its `v1` value is not the base64 of 32 bytes.
        case malformedSignature
    }

    /// What failed.
    public var kind: Kind
    /// A readable explanation, without secrets, signatures or the body.
    public var message: String

    /// Creates an error.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The header at fault.
    public var header: String {
        switch kind {
        case .missingHeader(let name): name
        case .malformedTimestamp, .timestampTooOld, .timestampTooNew: WebhookSignature.timestampHeader
        case .noSignatureMatched, .malformedSignature: WebhookSignature.signatureHeader
        }
    }

    /// This failure as `BillingError` `webhook.signature_invalid`, its field the header at
    /// fault, with itself as the underlying error.
    public var billingError: BillingError {
        BillingError(.webhookSignatureInvalid, message, field: header, underlying: self)
    }

    public var description: String { "WebhookVerificationError(\(kind)): \(message)" }
}
