/// Seals secret setting values before they are stored, and opens them when read.
///
/// A sealed value is text in the ``SealedSecret`` format, `bsealed:v1:<keyID>:<payload>`,
/// safe in a TEXT column or a JSON string; its key id is readable without a key.
/// BillingStore's `AESGCMSecretSealer` is the implementation; BillingCore only names the
/// shape, so it needs no cryptography library.
///
/// The `context` binds a sealed value to where it is stored (say
/// `plugin/<name>/<setting key>`): it must be the same to open it as it was to seal it,
/// so someone able to write the database cannot move one plugin's sealed API key into
/// another plugin's settings, where that plugin would reveal it. Use `""` for none.
///
/// Rules for a store:
/// - Seal every secret value on write, including one that happens to look sealed.
/// - ``isSealed(_:)`` is for values written before sealing existed: a stored value that
///   is not sealed is plaintext, to be sealed and written back.
/// - ``needsResealing(_:)`` tells which values to rewrite after a key rotation.
public protocol SecretSealer: Sendable {
    /// The id of the key that new seals use.
    var currentKeyID: String { get }

    /// `plaintext` sealed under the current key and bound to `context`; every call
    /// gives a different text.
    func seal(_ plaintext: String, context: String) throws -> String

    /// The plaintext of `sealed`.
    /// - Throws: ``BillingError`` coded `secret.malformed` (not sealed text),
    ///   `secret.key_not_configured` (its key id names no configured key; nothing was
    ///   changed) or `secret.authentication_failed` (altered, re-labelled, sealed with
    ///   another key or for another context).
    func open(_ sealed: String, context: String) throws -> String

    /// Whether `text` is a sealed value rather than plaintext (possibly a malformed one,
    /// which ``open(_:context:)`` then refuses).
    func isSealed(_ text: String) -> Bool

    /// Whether `text` should be rewritten: it is plaintext, or sealed under a key other
    /// than the current one.
    func needsResealing(_ text: String) -> Bool
}

extension SecretSealer {
    /// `plaintext` sealed with no context.
    public func seal(_ plaintext: String) throws -> String {
        try seal(plaintext, context: "")
    }

    /// The plaintext of a value sealed with no context.
    public func open(_ sealed: String) throws -> String {
        try open(sealed, context: "")
    }

    /// Whether `text` starts with ``SealedSecret/prefix``.
    public func isSealed(_ text: String) -> Bool {
        SealedSecret.isSealed(text)
    }

    /// True for plaintext and for a value whose key id is not ``currentKeyID``; false
    /// for a malformed sealed value, which resealing could not open either.
    public func needsResealing(_ text: String) -> Bool {
        guard isSealed(text) else { return true }
        guard let sealed = try? SealedSecret(parsing: text) else { return false }
        return sealed.keyID != currentKeyID
    }

    /// `text` sealed under the current key: opened first if it was sealed (under any
    /// configured key), sealed as it is if it was plaintext. For migrating and rotating.
    public func resealed(_ text: String, context: String) throws -> String {
        try seal(isSealed(text) ? open(text, context: context) : text, context: context)
    }
}
