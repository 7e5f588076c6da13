public import BillingCore
import Crypto
public import Foundation

extension BillingError.Code {
    /// An inbound webhook's signature is missing, malformed, outside the time tolerance, or
    /// made with none of the configured signing secrets (Stripe's `Stripe-Signature`, or the
    /// Standard Webhooks headers that ``WebhookVerifier`` checks). Reject the request; nothing changed.
    public static let webhookSignatureInvalid = BillingError.Code("webhook.signature_invalid")
}

/// Verifies and creates Stripe's `Stripe-Signature` header: `t=<unix seconds>,v1=<hex>`, where
/// each `v1` is the HMAC-SHA256 of `"<t>.<raw body>"` with an endpoint's signing secret
/// (https://docs.stripe.com/webhooks#verify-manually).
///
/// ```swift
/// let secrets = [try settings.secret("webhookSecret")]
/// try StripeWebhookSignature.verify(payload: body, header: headers["Stripe-Signature"], secrets: secrets, now: Date())
/// ```
public enum StripeWebhookSignature {
    /// Stripe's SDKs' default: five minutes either side of now.
    public static let defaultTolerance: Duration = .seconds(300)

    /// Verifies `header` for the raw `payload` bytes, exactly as received.
    ///
    /// Several `secrets` cover an endpoint secret being rolled (the old one stays valid for a
    /// while); several `v1` values appear because Stripe signs with each active secret. Other
    /// schemes (`v0`) and `v1` values that are not 64 hex digits are ignored. Signatures are
    /// compared in constant time.
    ///
    /// - Parameters:
    ///   - payload: The raw request body, byte for byte (not re-encoded JSON).
    ///   - header: The `Stripe-Signature` header, or `nil` when the request has none.
    ///   - secrets: The endpoint's signing secrets (`whsec_…`), newest first.
    ///   - tolerance: How far the signed timestamp may be from `now`, either way.
    ///   - now: The current time (injected, so tests are deterministic).
    /// - Returns: The verified timestamp.
    /// - Throws: `BillingError` with code `webhookSignatureInvalid` (field `Stripe-Signature`) when the
    ///   header is missing or malformed, has no `v1` signature, its timestamp is more than
    ///   `tolerance` from `now` (past or future), or no `v1` value matches any of `secrets`.
    ///   Messages never contain a secret, a signature or the body.
    @discardableResult
    public static func verify(payload: some Collection<UInt8>, header: String?, secrets: [Secret], tolerance: Duration = defaultTolerance, now: Date) throws -> Date {
        guard let header, !header.isEmpty else {
            throw invalid("The Stripe-Signature header is missing")
        }
        let parsed = try parse(header)
        guard !parsed.signatures.isEmpty else {
            throw invalid("The Stripe-Signature header has no v1 signature")
        }
        let timestamp = Date(timeIntervalSince1970: TimeInterval(parsed.seconds))
        switch SignedTimestampWindow(timestamp: parsed.seconds, now: now, tolerance: tolerance) {
        case .within:
            break
        case .tooOld(let seconds):
            throw invalid("The Stripe-Signature timestamp is \(seconds) s old, beyond the tolerance of \(tolerance.components.seconds) s")
        case .tooNew(let seconds):
            throw invalid("The Stripe-Signature timestamp is \(seconds) s in the future, beyond the tolerance of \(tolerance.components.seconds) s")
        }
        guard !secrets.isEmpty else {
            throw invalid("No webhook signing secret is configured, so no Stripe-Signature can be verified")
        }
        let signed = signedPayload(payload, timestamp: parsed.timestampText)
        for secret in secrets {
            let key = SymmetricKey(data: Array(secret.reveal().utf8))
            for signature in parsed.signatures where HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: signed, using: key) {
                return timestamp
            }
        }
        throw invalid("No v1 signature in the Stripe-Signature header matches the configured signing secrets (\(secrets.count))")
    }

    /// The header Stripe would send for `payload` at `timestamp` (whole seconds, rounded down):
    /// `t=<unix seconds>,v1=<lowercase hex>`. For tests of a host's endpoint.
    ///
    /// - Parameters:
    ///   - payload: The raw body to sign.
    ///   - secret: The endpoint's signing secret.
    ///   - timestamp: When the request is signed.
    /// - Returns: The `Stripe-Signature` header value.
    public static func header(payload: some Collection<UInt8>, secret: Secret, timestamp: Date) -> String {
        let seconds = String(Int64(timestamp.timeIntervalSince1970.rounded(.down)))
        let key = SymmetricKey(data: Array(secret.reveal().utf8))
        let code = HMAC<SHA256>.authenticationCode(for: signedPayload(payload, timestamp: seconds), using: key)
        return "t=\(seconds),v1=" + Hex.encode(code)
    }

    /// The header's timestamp, as written and as a number, and its decodable `v1` signatures.
    private struct ParsedHeader {
        var timestampText: String
        var seconds: Int64
        var signatures: [[UInt8]]
    }

    private static func parse(_ header: String) throws -> ParsedHeader {
        var timestampText: String?
        var signatures: [[UInt8]] = []
        for item in header.split(separator: ",", omittingEmptySubsequences: false) {
            let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2 else {
                throw invalid("The Stripe-Signature header is malformed: every item must be key=value")
            }
            let key = pair[0].trimmingCharacters(in: .whitespaces)
            let value = pair[1].trimmingCharacters(in: .whitespaces)
            switch key {
            case "t":
                guard timestampText == nil else {
                    throw invalid("The Stripe-Signature header is malformed: it has more than one timestamp")
                }
                timestampText = value
            case "v1":
                if let bytes = Hex.decode(value), bytes.count == 32 {
                    signatures.append(bytes)
                }
            default:
                continue  // v0 and schemes Stripe may add later
            }
        }
        guard let timestampText else {
            throw invalid("The Stripe-Signature header is malformed: it has no timestamp (t=)")
        }
        guard !timestampText.isEmpty, timestampText.utf8.count <= 12,
            timestampText.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            let seconds = Int64(timestampText)
        else {
            throw invalid("The Stripe-Signature header is malformed: its timestamp (t=) is not whole Unix seconds")
        }
        return ParsedHeader(timestampText: timestampText, seconds: seconds, signatures: signatures)
    }

    /// `"<t>.<payload>"` as bytes, with `t` exactly as the header wrote it.
    private static func signedPayload(_ payload: some Collection<UInt8>, timestamp: String) -> [UInt8] {
        var bytes = Array(timestamp.utf8)
        bytes.reserveCapacity(bytes.count + 1 + payload.count)
        bytes.append(UInt8(ascii: "."))
        bytes.append(contentsOf: payload)
        return bytes
    }


    private static func invalid(_ message: String) -> BillingError {
        BillingError(.webhookSignatureInvalid, message, field: "Stripe-Signature")
    }
}
